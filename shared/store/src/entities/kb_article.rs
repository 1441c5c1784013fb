use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kb_articles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub owner_id: Uuid,
    pub status: String,
    /// The published version's content (what search and citizens see); the first draft's
    /// until a version is published.
    pub public: bool,
    pub category: Option<String>,
    /// Comma-separated.
    pub tags: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub valid_from: Option<DateTimeUtc>,
    pub valid_until: Option<DateTimeUtc>,
    pub review_at: Option<DateTimeUtc>,
    pub published_version: Option<i32>,
    pub latest_version: i32,
    /// Consultations answered from it at first contact.
    pub answer_count: i64,
    /// The flags its owner was told about (`hotline_domain::kb::flag_key`).
    pub flag_notified: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
