use sea_orm::entity::prelude::*;

/// The head of the audit chain (one row, id 1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_chain")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The position of the newest record (0 before the first).
    pub seq: i64,
    pub head_hash: String,
    /// The first position kept (records before it were pruned) and its `prev_hash`.
    pub anchor_seq: i64,
    pub anchor_prev_hash: String,
    /// Records written before the chain existed have been given their places.
    pub legacy_sealed: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
