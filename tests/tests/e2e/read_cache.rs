//! The read cache (hotline-core `read_cache`, PostgreSQL): a process answers a repeated case
//! read or list page from memory, drops it when the database announces a change, whoever made
//! the change (this process, another, SQL by hand), lets its callers read their
//! own writes at once, and never hands an answer kept for one reader to a reader of other
//! scopes. On SQLite it is off and every read goes to the database.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::helpers::TestApp;

/// Waits (bounded) until the app's listener is `live`, as its watch reports it.
async fn listening(app: &TestApp, live: bool) {
    let mut changes = app.core.read_cache.live_changes();
    tokio::time::timeout(Duration::from_secs(20), changes.wait_for(|l| *l == live))
        .await
        .unwrap_or_else(|_| panic!("the read cache did not become live={live}"))
        .unwrap();
}

/// Until the app has taken in every change notice committed so far.
async fn settle(app: &TestApp) {
    app.core.read_cache.sync(&app.core.store.db).await;
}

fn case_hits(app: &TestApp) -> u64 {
    app.core.read_cache.reading().case_hits
}

/// A case of 12319 dispatched to its sanitation office, as the agent took it in.
async fn dispatched_case(app: &TestApp, text: &str) -> String {
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let id = app.intake(&agent, complaint(text)).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    id
}

#[tokio::test]
async fn a_repeated_read_comes_from_memory_and_a_step_is_read_back_at_once() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    if !app.db.is_postgres() {
        let id = dispatched_case(&app, "路灯不亮。").await;
        assert_eq!(app.case(&dispatcher, &id).await["status"], "dispatched");
        let r = app.core.read_cache.reading();
        assert!(!r.live && r.case_hits == 0 && r.cases == 0, "SQLite runs without the cache: {r:?}");
        return;
    }
    listening(&app, true).await;
    let id = dispatched_case(&app, "小区门口垃圾三天没人清运。").await;
    assert_eq!(app.case(&dispatcher, &id).await["status"], "dispatched");
    let hits = case_hits(&app);
    let syncs = app.core.read_cache.reading().syncs;
    let kept = app.case(&dispatcher, &id).await;
    assert_eq!(case_hits(&app), hits + 1, "the second read is answered from memory");
    assert_eq!(app.core.read_cache.reading().syncs, syncs, "a read does not wait for notices");

    // Each step answers after this process took in its change: the next read shows it.
    let (status, _) = app.sign(&handler, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.core.read_cache.reading().syncs, syncs + 1, "a write waits for its own notice");
    let signed = app.case(&dispatcher, &id).await;
    assert_eq!(signed["status"], "signed");
    assert_ne!(kept["participants"], signed["participants"], "the participant row changed too (signed_at)");
    for n in 0..5 {
        app.ok_step(&handler, &id, "return", json!({"reason_code": "other", "reason": format!("第{n}次退回")})).await;
        assert_eq!(app.case(&dispatcher, &id).await["status"], "returned", "round {n}");
        app.ok_step(&dispatcher, &id, "reject-return", json!({"reason": "属市容职责"})).await;
        assert_eq!(app.case(&dispatcher, &id).await["status"], "dispatched", "round {n}");
        assert_eq!(app.case(&handler, &id).await["return_count"], n + 1, "round {n}: the unit's own read too");
        app.sign(&handler, &id).await;
    }
    // The same answer to the same question: what memory gave equals what the database gives.
    app.case(&dispatcher, &id).await;
    let hits = case_hits(&app);
    let from_memory = app.case(&dispatcher, &id).await;
    assert_eq!(case_hits(&app), hits + 1);
    app.core.read_cache.flush();
    assert_eq!(app.case(&dispatcher, &id).await, from_memory);
}

#[tokio::test]
async fn a_request_that_wrote_reads_the_database_not_the_cache() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        return;
    }
    listening(&app, true).await;
    let dispatcher = app.token("dispatcher").await;
    let id = dispatched_case(&app, "窨井盖松动。").await;
    app.case(&dispatcher, &id).await;
    let who = app.core.authenticate_token(&dispatcher).await.unwrap();
    // A change whose notice has not arrived (held back), then, in one request, a write and a
    // read: as the console does when it renders the case after a step.
    let held = app.core.read_cache.hold_notices().await;
    app.raw_db().await.execute_unprepared(&format!("UPDATE cases SET title = '已改' WHERE id = '{id}'")).await.unwrap();
    let core = app.core.clone();
    let (before, after) = hotline_store::scope::open(async move {
        hotline_store::scope::set(who.scope());
        let before = core.get_case(&who, &id).await.unwrap().title;
        let txn = hotline_store::begin_write(&core.store.db).await.unwrap();
        txn.commit().await.unwrap();
        (before, core.get_case(&who, &id).await.unwrap().title)
    })
    .await;
    drop(held);
    assert_ne!(before, "已改", "before writing, the request was answered from memory (the notice was held back)");
    assert_eq!(after, "已改", "after writing, from the database");
}

#[tokio::test]
async fn another_process_serves_its_copy_only_until_the_notice_of_a_change_arrives() {
    let a = TestApp::spawn().await;
    if !a.db.is_postgres() {
        return;
    }
    let b = a.second_instance().await;
    listening(&a, true).await;
    listening(&b, true).await;
    let dispatcher = a.token("dispatcher").await;
    let handler = a.token("handler_12319").await;
    let id = dispatched_case(&a, "施工噪音扰民。").await;
    assert_eq!(b.case(&dispatcher, &id).await["status"], "dispatched");
    let hits = case_hits(&b);
    b.case(&dispatcher, &id).await;
    assert_eq!(case_hits(&b), hits + 1, "kept by the second process");

    // While B's notices are late, B still answers with what it kept: the documented window.
    let held = b.core.read_cache.hold_notices().await;
    assert_eq!(a.sign(&handler, &id).await.0, StatusCode::OK);
    assert_eq!(a.case(&dispatcher, &id).await["status"], "signed", "A took in its own change");
    assert_eq!(b.case(&dispatcher, &id).await["status"], "dispatched", "B has not had the notice yet");
    drop(held);
    settle(&b).await;
    assert_eq!(b.case(&dispatcher, &id).await["status"], "signed", "the notice dropped B's copy");
}

#[tokio::test]
async fn a_change_made_by_hand_in_sql_reaches_the_cache() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        return;
    }
    listening(&app, true).await;
    let dispatcher = app.token("dispatcher").await;
    let id = dispatched_case(&app, "井盖缺失，夜间危险。").await;
    app.case(&dispatcher, &id).await;
    let hits = case_hits(&app);
    app.case(&dispatcher, &id).await;
    assert_eq!(case_hits(&app), hits + 1);
    let owner = app.raw_db().await;
    owner.execute_unprepared(&format!("UPDATE cases SET title = '井盖（已改）' WHERE id = '{id}'")).await.unwrap();
    settle(&app).await;
    assert_eq!(app.case(&dispatcher, &id).await["title"], "井盖（已改）");
    owner.execute_unprepared(&format!("UPDATE case_participants SET contribution = '手工' WHERE case_id = '{id}'")).await.unwrap();
    settle(&app).await;
    let parts = app.case(&dispatcher, &id).await["participants"].clone();
    assert!(parts.to_string().contains("手工"), "{parts}");
}

#[tokio::test]
async fn an_answer_kept_for_one_reader_never_reaches_a_reader_of_other_scopes() {
    let app = TestApp::spawn().await;
    let pg = app.db.is_postgres();
    if pg {
        listening(&app, true).await;
    }
    let dispatcher = app.token("dispatcher").await;
    let id = dispatched_case(&app, "餐馆油烟直排。").await;
    let admin_12398 = app.token("admin_12398").await;
    let (status, key) = app.call(Method::POST, "/api/v1/tenants/12398/api-keys", &admin_12398, Some(json!({"name": "k"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let key = key["secret"].as_str().unwrap().to_owned();
    let readers = [
        ("dispatcher", app.token("dispatcher").await, StatusCode::OK),
        ("admin_12319", app.token("admin_12319").await, StatusCode::OK),
        ("handler_12319", app.token("handler_12319").await, StatusCode::OK),
        ("admin_12315", app.token("admin_12315").await, StatusCode::NOT_FOUND),
        ("handler_12315", app.token("handler_12315").await, StatusCode::NOT_FOUND),
        ("security_admin", app.token("security_admin").await, StatusCode::FORBIDDEN),
    ];
    // Every reader twice, in two orders: whoever filled an entry, each gets their own answer.
    for round in 0..2 {
        let order: Vec<_> = if round == 0 { readers.iter().collect() } else { readers.iter().rev().collect() };
        for (who, token, expected) in order {
            let (status, body) = app.get(&format!("/api/v1/cases/{id}"), token).await;
            assert_eq!(status, *expected, "round {round}, {who}: {body}");
            let (status, page) = app.get("/api/v1/cases?status=dispatched", token).await;
            if *expected == StatusCode::FORBIDDEN {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
                continue;
            }
            let listed = page["items"].as_array().unwrap().iter().any(|c| c["id"] == id.as_str());
            assert_eq!(listed, *expected == StatusCode::OK, "round {round}, {who}'s list");
        }
        let (status, _) = app.call_with_key(Method::GET, &format!("/api/v1/cases/{id}"), &key, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "round {round}: an integrator reads the cases its key brought in only");
    }
    // Masking follows the reader, not the entry: the dispatcher's kept copy shows the unit
    // the same masked phone as the dispatcher gets.
    let (_, mine) = app.get(&format!("/api/v1/cases/{id}"), &dispatcher).await;
    assert!(!mine.to_string().contains(crate::case_kit::PHONE), "never in clear on a read: {mine}");
    if pg {
        assert!(case_hits(&app) > 0, "the second round was answered from memory");
    }
}

#[tokio::test]
async fn a_new_case_is_listed_at_once_and_a_step_moves_it_between_kept_pages() {
    let app = TestApp::spawn().await;
    let pg = app.db.is_postgres();
    if pg {
        listening(&app, true).await;
    }
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let received = "/api/v1/cases?status=received&limit=5";
    let ids = |v: &Value| -> Vec<String> { v["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect() };
    let first = app.intake(&agent, complaint("占道经营。")).await["case_id"].as_str().unwrap().to_owned();
    assert_eq!(ids(&app.get(received, &dispatcher).await.1), vec![first.clone()]);
    let page_hits = app.core.read_cache.reading().page_hits;
    assert_eq!(ids(&app.get(received, &dispatcher).await.1), vec![first.clone()]);
    if pg {
        assert_eq!(app.core.read_cache.reading().page_hits, page_hits + 1, "the same page, from memory");
    }
    // An intake is stored by the writer's batch, not in the request, and does not wait for
    // notices: it marks its line's lists changed itself (shown with the notices held back).
    let held = app.core.read_cache.hold_notices().await;
    let syncs = app.core.read_cache.reading().syncs;
    let second = app.intake(&agent, complaint("噪音扰民。")).await["case_id"].as_str().unwrap().to_owned();
    assert_eq!(ids(&app.get(received, &dispatcher).await.1), vec![second.clone(), first.clone()]);
    assert_eq!(app.core.read_cache.reading().syncs, syncs, "an intake does not wait for notices");
    drop(held);
    app.ok_step(&dispatcher, &first, "dispatch", json!({"lead_unit_id": unit})).await;
    assert_eq!(ids(&app.get(received, &dispatcher).await.1), vec![second.clone()]);
    let dispatched = ids(&app.get("/api/v1/cases?status=dispatched&limit=5", &dispatcher).await.1);
    assert_eq!(dispatched, vec![first.clone()]);
    // The line's own list (tagged with its line) follows the same change.
    let admin = app.token("admin_12319").await;
    assert_eq!(ids(&app.get("/api/v1/cases?status=dispatched&limit=5", &admin).await.1), vec![first.clone()]);
    app.ok_step(&dispatcher, &second, "dispatch", json!({"lead_unit_id": unit})).await;
    assert_eq!(ids(&app.get("/api/v1/cases?status=dispatched&limit=5", &admin).await.1), vec![second, first]);
}

#[tokio::test]
async fn a_lost_listener_sends_reads_to_the_database_and_nothing_missed_meanwhile_is_served() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        return;
    }
    listening(&app, true).await;
    let dispatcher = app.token("dispatcher").await;
    let id = dispatched_case(&app, "共享单车乱停放。").await;
    app.case(&dispatcher, &id).await;
    let owner = app.raw_db().await;
    let listener = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                    WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()";
    assert_eq!(owner.execute_unprepared(listener).await.unwrap().rows_affected(), 1, "one listener");
    listening(&app, false).await;
    // Nobody in this process hears this change...
    owner.execute_unprepared(&format!("UPDATE cases SET title = '没人听到' WHERE id = '{id}'")).await.unwrap();
    let hits = case_hits(&app);
    assert_eq!(app.case(&dispatcher, &id).await["title"], "没人听到", "no listener: the database answers");
    assert_eq!(case_hits(&app), hits);
    // ...and when the listener is back, what it kept before the gap is gone.
    listening(&app, true).await;
    assert_eq!(app.case(&dispatcher, &id).await["title"], "没人听到");
    app.case(&dispatcher, &id).await;
    assert_eq!(case_hits(&app), hits + 1, "keeping again");
}
