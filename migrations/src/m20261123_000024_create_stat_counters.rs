use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The statistics' counters (issue 6): one row per grain and local day, one column per counter
/// of `hotline-domain::stats::Counter`, kept at several levels so dashboards read few rows:
/// `full` (line, unit, category, contact type, urgency, channel, district), and the rollups
/// `line`, `unit`, `district` and `category` (the other dimensions left blank). Each level is
/// kept for two scopes: `platform` (every case once, under the tenant that received it) and
/// `line` (under each line taking part). Handling times are counted per histogram bucket in
/// `stat_handling`. Rows are only ever incremented, in the transaction of the event counted.
const COUNTERS: &[&str] = &[
    "received",
    "answered_directly",
    "dispatched",
    "dispatched_on_time",
    "sign_decided",
    "signed_on_time",
    "feedback_decided",
    "feedback_on_time",
    "feedback_given",
    "feedback_resolved",
    "rated",
    "rated_satisfied",
    "closed",
    "returned",
    "reopened",
    "extensions_approved",
    "problem_flagged",
    "handling_count",
    "handling_seconds",
    "calls",
    "calls_answered",
    "calls_answered_within_15s",
    "calls_abandoned",
];

const KEY: &[&str] = &["level", "scope", "tenant_id", "day", "unit_id", "category", "contact_type", "urgency", "channel", "district"];

fn key_columns(t: &mut TableCreateStatement) {
    for (name, len) in [("level", 16), ("scope", 16)] {
        t.col(ColumnDef::new(Alias::new(name)).string_len(len).not_null());
    }
    t.col(ColumnDef::new(Alias::new("tenant_id")).uuid().not_null());
    t.col(ColumnDef::new(Alias::new("day")).string_len(10).not_null());
    t.col(ColumnDef::new(Alias::new("unit_id")).uuid().not_null());
    for name in ["category", "contact_type", "urgency", "channel", "district"] {
        t.col(ColumnDef::new(Alias::new(name)).string_len(64).not_null());
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = Table::create();
        t.table(Alias::new("stat_counters"));
        key_columns(&mut t);
        for c in COUNTERS {
            t.col(ColumnDef::new(Alias::new(*c)).big_integer().not_null().default(0));
        }
        manager.create_table(t.to_owned()).await?;
        manager.create_index(crate::index("ux_stat_counters_grain", Alias::new("stat_counters"), KEY).unique().to_owned()).await?;

        let mut h = Table::create();
        h.table(Alias::new("stat_handling"));
        key_columns(&mut h);
        h.col(ColumnDef::new(Alias::new("bucket")).integer().not_null());
        h.col(ColumnDef::new(Alias::new("value")).big_integer().not_null().default(0));
        manager.create_table(h.to_owned()).await?;
        let mut hk: Vec<&'static str> = KEY.to_vec();
        hk.push("bucket");
        manager.create_index(crate::index("ux_stat_handling_grain", Alias::new("stat_handling"), &hk).unique().to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
