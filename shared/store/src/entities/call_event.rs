use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "call_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub call_id: String,
    pub event: String,
    pub at: DateTimeUtc,
    pub dialled_number: Option<String>,
    pub caller_hash: Option<String>,
    pub caller_masked: Option<String>,
    pub caller_enc: Option<String>,
    pub ivr_path: Option<String>,
    pub agent: Option<String>,
    pub recording_ref: Option<String>,
    pub case_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
