//! The tamper-evident audit log: rows changed, deleted, reordered or inserted with plain SQL are
//! found by the verification (and named by position); concurrent writers, also from two
//! instances, keep the chain whole; retention prunes from the start and the chain still
//! verifies from its anchor; legacy records are sealed once.

use hotline_store::entities::audit_event;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::audit_chain_kit::{head_seq, problem, sql, verify, write_records};
use crate::helpers::TestApp;

async fn app_with_records(n: usize) -> TestApp {
    let app = TestApp::spawn().await;
    write_records(&app, n, "before").await;
    let report = verify(&app).await;
    assert!(report.problem.is_none(), "{:?}", report.problem);
    assert!(report.records >= n as u64);
    app
}

#[tokio::test]
async fn a_changed_field_is_found_at_its_record() {
    let app = app_with_records(8).await;
    sql(&app, "UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 5").await;
    let p = problem(&app).await;
    assert!(p.contains("#5") && p.contains("changed"), "{p}");
}

#[tokio::test]
async fn a_changed_time_or_actor_is_found_too() {
    let app = app_with_records(4).await;
    sql(&app, "UPDATE audit_events SET ip = '10.0.0.1' WHERE seq = 2").await;
    assert!(problem(&app).await.contains("#2"));
}

#[tokio::test]
async fn a_deleted_record_is_found() {
    let app = app_with_records(8).await;
    sql(&app, "DELETE FROM audit_events WHERE seq = 4").await;
    let p = problem(&app).await;
    assert!(p.contains("#4") && p.contains("deleted"), "{p}");
}

#[tokio::test]
async fn deleting_the_newest_records_is_found() {
    let app = app_with_records(5).await;
    let head = head_seq(&app).await;
    sql(&app, &format!("DELETE FROM audit_events WHERE seq >= {}", head - 1)).await;
    let p = problem(&app).await;
    assert!(p.contains(&format!("#{}", head - 1)) && p.contains("deleted"), "{p}");
}

#[tokio::test]
async fn reordered_records_are_found() {
    let app = app_with_records(6).await;
    sql(&app, "UPDATE audit_events SET seq = -1 WHERE seq = 3").await;
    sql(&app, "UPDATE audit_events SET seq = 3 WHERE seq = 4").await;
    sql(&app, "UPDATE audit_events SET seq = 4 WHERE seq = -1").await;
    let p = problem(&app).await;
    assert!(p.contains("#3"), "{p}");
}

/// A forged record made the way the application makes them (the encoding is public).
async fn forged(app: &TestApp, seq: Option<i64>, prev: &str) -> audit_event::Model {
    let mut row = audit_event::Model {
        id: Uuid::now_v7(),
        at: app.core.now(),
        actor_kind: "user".into(),
        actor_id: None,
        actor_name: Some("city_admin".into()),
        tenant_id: None,
        action: "auth.logout".into(),
        target: Some("an alibi".into()),
        outcome: "success".into(),
        detail: None,
        ip: None,
        seq,
        prev_hash: seq.map(|_| prev.to_owned()),
        hash: None,
        actor_duty: Some("system".into()),
    };
    if let Some(s) = seq {
        row.hash = Some(hotline_store::audit_chain::chain_record(&row, s).hash(prev));
    }
    audit_event::Entity::insert(audit_event::ActiveModel::from(row.clone())).exec_without_returning(&app.raw_db().await).await.unwrap();
    row
}

async fn hash_at(app: &TestApp, seq: i64) -> String {
    app.core.audit_hash_at(seq).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_record_inserted_around_the_chain_is_found() {
    let app = app_with_records(3).await;
    let row = forged(&app, None, "").await;
    let p = problem(&app).await;
    assert!(p.contains(&row.id.to_string()) && p.contains("inserted"), "{p}");
}

#[tokio::test]
async fn a_well_hashed_record_appended_behind_the_head_is_found() {
    let app = app_with_records(3).await;
    let head = head_seq(&app).await;
    let prev = hash_at(&app, head).await;
    forged(&app, Some(head + 1), &prev).await;
    let p = problem(&app).await;
    assert!(p.contains(&format!("#{}", head + 1)) && p.contains("inserted"), "{p}");
}

#[tokio::test]
async fn a_record_slipped_into_the_middle_is_found() {
    let app = app_with_records(8).await;
    // Make room at position 6 (the rows after it move up by one), then fill it with a forgery
    // that links correctly to #5.
    sql(&app, "UPDATE audit_events SET seq = seq + 100000 WHERE seq >= 6").await;
    sql(&app, "UPDATE audit_events SET seq = seq - 99999 WHERE seq >= 100000").await;
    let prev = hash_at(&app, 5).await;
    forged(&app, Some(6), &prev).await;
    let p = problem(&app).await;
    assert!(p.contains("#7"), "the record after the forgery no longer fits: {p}");
}

#[tokio::test]
async fn an_outside_copy_of_the_head_catches_a_rewritten_chain() {
    let app = app_with_records(4).await;
    let old = hash_at(&app, 3).await;
    // An insider rewrites record 3 and every hash after it, and the head: the chain is
    // consistent again, but no longer carries the hash recorded elsewhere.
    sql(&app, "UPDATE audit_events SET detail = 'rewritten' WHERE seq = 3").await;
    let head = head_seq(&app).await;
    let mut prev = hash_at(&app, 2).await;
    for seq in 3..=head {
        let row = hotline_store::audit_chain::page(&app.raw_db().await, seq - 1, 1).await.unwrap().remove(0);
        let hash = hotline_store::audit_chain::chain_record(&row, seq).hash(&prev);
        sql(&app, &format!("UPDATE audit_events SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {seq}")).await;
        prev = hash;
    }
    sql(&app, &format!("UPDATE audit_chain SET head_hash = '{prev}'")).await;
    assert!(verify(&app).await.problem.is_none(), "a full rewrite is consistent in itself");
    assert_ne!(hash_at(&app, 3).await, old, "the copy kept outside (audit-verify --expect) tells");
}

#[tokio::test]
async fn concurrent_writers_take_their_places_one_after_another() {
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let before = head_seq(&app).await;
    let mut tasks = Vec::new();
    for w in 0..6 {
        let core = if w % 2 == 0 { app.core.clone() } else { other.core.clone() };
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                let entry = hotline_core::audit::Entry::anonymous("test.concurrent", hotline_core::audit::Outcome::Success);
                // As the worker and sign-in write theirs: through the service's role, platform scope.
                hotline_store::scope::platform(core.audit_on(&core.store.db, entry.detail(format!("writer {w} record {i}"))))
                    .await
                    .expect("appended");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(head_seq(&app).await, before + 90, "every record has its own place");
    let report = verify(&app).await;
    assert!(report.problem.is_none(), "{:?}", report.problem);
    assert_eq!(report.head_seq, before + 90);
}

#[tokio::test]
async fn retention_prunes_from_the_start_and_the_rest_still_verifies() {
    let app = app_with_records(6).await;
    let old_head = head_seq(&app).await;
    app.clock.advance(chrono::Duration::days(200));
    write_records(&app, 3, "recent").await;
    let pruned = app.core.prune_audit().await.unwrap();
    assert_eq!(pruned, old_head as u64, "everything older than 183 days goes");
    let report = verify(&app).await;
    assert!(report.problem.is_none(), "{:?}", report.problem);
    assert_eq!(report.anchor_seq, old_head + 1);
    assert_eq!(report.records, 4, "three recent records and the record of the pruning");
    let rest = hotline_store::audit_chain::page(&app.raw_db().await, i64::MIN, 10).await.unwrap();
    assert!(rest.iter().any(|r| r.action == "audit.prune" && r.actor_kind == "system"));
    assert_eq!(app.core.prune_audit().await.unwrap(), 0, "nothing more to prune");
    // The anchor does not cover for a record deleted after it.
    sql(&app, &format!("DELETE FROM audit_events WHERE seq = {}", old_head + 1)).await;
    assert!(problem(&app).await.contains(&format!("#{}", old_head + 1)));
}

#[tokio::test]
async fn records_from_before_the_chain_are_sealed_once() {
    let app = app_with_records(2).await;
    // As after the migration on a database with records: one without a place, not yet sealed.
    let row = forged(&app, None, "").await;
    sql(&app, "UPDATE audit_chain SET legacy_sealed = false").await;
    assert!(verify(&app).await.problem.is_none(), "unsealed legacy records are not tampering");
    assert_eq!(app.core.prepare_audit_chain().await.unwrap(), 1);
    let report = verify(&app).await;
    assert!(report.problem.is_none(), "{:?}", report.problem);
    let sealed = audit_event::Entity::find_by_id(row.id).one(&app.raw_db().await).await.unwrap().unwrap();
    assert_eq!(sealed.seq, Some(report.head_seq), "it took the next place");
    assert_eq!(app.core.prepare_audit_chain().await.unwrap(), 0, "once only");
}
