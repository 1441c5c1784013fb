//! The isolation matrix (issue 11): every operation of the OpenAPI document × every principal ×
//! ids of our line, of another line, of a joint case shared with us, and ids that exist
//! nowhere. Only the combinations the table allows succeed; another line's id answers exactly
//! like a missing one and never with success; no answer to our line's staff holds an id of the
//! other line; and nothing of the other line changes. An operation without a row fails.

mod cast;
mod entry;
mod run;
mod snapshot;
mod table_admin;
mod table_cases;
mod table_public;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::TestApp;
use entry::Entry;

fn matrix() -> Vec<Entry> {
    let mut all = table_admin::entries();
    all.extend(table_cases::entries());
    all.extend(table_public::entries());
    all
}

fn documented() -> BTreeSet<String> {
    let spec: Value = serde_json::from_str(&hotline_api::openapi::spec_json()).unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops
}

#[test]
fn every_documented_operation_has_exactly_one_matrix_row() {
    let rows: Vec<String> = matrix().iter().map(Entry::name).collect();
    let unique: BTreeSet<String> = rows.iter().cloned().collect();
    let twice: Vec<&String> = unique.iter().filter(|r| rows.iter().filter(|x| x == r).count() > 1).collect();
    assert!(twice.is_empty(), "operations with more than one matrix row: {twice:?}");
    let docs = documented();
    let without: Vec<&String> = docs.difference(&unique).collect();
    assert!(without.is_empty(), "operations without a row in tests/tests/e2e/isolation_matrix/table_*.rs: {without:?}");
    let stale: Vec<&String> = unique.difference(&docs).collect();
    assert!(stale.is_empty(), "matrix rows for operations no longer in the OpenAPI document: {stale:?}");
}

#[tokio::test]
async fn every_operation_role_and_tenant_gets_exactly_what_the_matrix_allows() {
    // The portal's per-address budget would otherwise refuse the matrix's own calls.
    let app = TestApp::spawn_with(&[("HOTLINE_PUBLIC_RATE_LIMIT_PER_HOUR", "100000")]).await;
    let cast = app.cast().await;
    let their_tenant = snapshot::tenant_id(&app, cast::THEIRS).await;
    let before = snapshot::take(&app, their_tenant, cast::THEIRS).await;
    let their_ids = snapshot::ids(&before);
    let their_internal_ids = snapshot::internal_ids(&before);
    assert!(their_ids.len() > 20, "the other line has records to protect: {}", their_ids.len());
    for id in [&cast.theirs.case, &cast.theirs.unit, &cast.theirs.user, &cast.theirs.article, &cast.theirs.tracking] {
        assert!(their_ids.contains(id), "the snapshot holds {id}");
    }

    let mut runner =
        run::Runner { app: &app, cast: &cast, their_ids, their_internal_ids, failures: Vec::new(), calls: 0, passes: Default::default() };
    let mut seen = BTreeSet::new();
    for e in run::in_running_order(matrix()) {
        runner.entry(&e, &mut seen).await;
    }
    for (name, (tried, succeeded)) in &runner.passes {
        eprintln!("{name}: {succeeded} of {tried} guarded combinations succeeded");
    }
    eprintln!("isolation matrix: {} operations, {} calls", matrix().len(), runner.calls);
    let after = snapshot::take(&app, their_tenant, cast::THEIRS).await;
    let changed = snapshot::changes(&before, &after);
    assert!(runner.calls > 3000, "{} calls", runner.calls);
    assert!(
        runner.failures.is_empty() && changed.is_empty(),
        "{} of {} calls broke the matrix:\n{}\nthe other line changed:\n{}",
        runner.failures.len(),
        runner.calls,
        runner.failures.join("\n"),
        changed.join("\n")
    );
    // Refusals say why with a code of their own (every one seen is one the matrix knows).
    assert!(seen.contains("forbidden") && seen.contains("not_found") && seen.contains("unauthenticated"), "{seen:?}");
}
