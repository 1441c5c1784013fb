//! Helpers of the audit-chain tests: records written through the core, rows changed behind the
//! application's back with plain SQL (as an insider with database access would).

use hotline_core::audit::{Entry, Outcome};
use hotline_core::audit_admin::ChainReport;
use sea_orm::ConnectionTrait;

use crate::helpers::TestApp;

/// Appends `n` records (as failed sign-ins of unknown users would).
pub async fn write_records(app: &TestApp, n: usize, tag: &str) {
    for i in 0..n {
        // Through the service's role, as sign-in writes its failures: platform scope.
        let entry = Entry::anonymous("test.record", Outcome::Failure).detail(format!("{tag} {i}")).ip(Some("198.51.100.7"));
        hotline_store::scope::platform(app.core.audit(entry)).await;
    }
}

/// Runs SQL on the application's database (`?` placeholders are not used: values are inline).
pub async fn sql(app: &TestApp, statement: &str) {
    let db = &app.raw_db().await;
    db.execute_unprepared(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// The highest position in the chain.
pub async fn head_seq(app: &TestApp) -> i64 {
    hotline_store::audit_chain::head(&app.raw_db().await).await.unwrap().unwrap().seq
}

pub async fn verify(app: &TestApp) -> ChainReport {
    app.core.verify_audit_chain().await.unwrap()
}

/// The problem found, in words (panics when the chain is intact).
pub async fn problem(app: &TestApp) -> String {
    verify(app).await.problem.expect("the tampering is found").to_string()
}
