use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "case_participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub tenant_id: Uuid,
    pub unit_id: Uuid,
    pub role: String,
    pub status: String,
    pub contribution: Option<String>,
    pub signed_at: Option<DateTimeUtc>,
    pub contributed_at: Option<DateTimeUtc>,
    pub released_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// A co-unit's own clocks (the lead's are on the case).
    pub sign_due_at: Option<DateTimeUtc>,
    pub contribute_due_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
