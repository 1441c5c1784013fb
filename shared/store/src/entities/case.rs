use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    #[sea_orm(unique)]
    pub tracking_number: String,
    pub channel: String,
    pub contact_type: String,
    pub category: Option<String>,
    pub urgency: String,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub district: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub caller_name_enc: Option<String>,
    pub caller_name_masked: Option<String>,
    pub caller_phone_enc: Option<String>,
    pub caller_phone_hash: Option<String>,
    pub caller_phone_masked: Option<String>,
    pub anonymous: bool,
    pub dialled_number: Option<String>,
    pub attachments: Option<String>,
    pub status: String,
    pub closure: Option<String>,
    pub lead_unit_id: Option<Uuid>,
    pub reported_unit_id: Option<Uuid>,
    pub answer: Option<String>,
    pub referral: Option<String>,
    pub transfer_line: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub feedback: Option<String>,
    pub feedback_resolved: Option<bool>,
    pub feedback_details: Option<String>,
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub no_return_visit: bool,
    pub return_count: i32,
    pub reopen_count: i32,
    pub problem: bool,
    pub problem_reason: Option<String>,
    pub extension_days: Option<i32>,
    pub extension_reason: Option<String>,
    pub sign_due_at: Option<DateTimeUtc>,
    pub feedback_due_at: Option<DateTimeUtc>,
    pub public_token_hash: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_via: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub feedback_near_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
