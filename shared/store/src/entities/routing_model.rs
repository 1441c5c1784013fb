use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub version: i32,
    /// The cases it learnt from: how many, and the newest change among them.
    pub data_version: String,
    pub examples: i32,
    pub labels: i32,
    pub features: i32,
    /// `hotline_domain::suggest::Model` as JSON.
    #[sea_orm(column_type = "Text")]
    pub model: String,
    pub trained_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
