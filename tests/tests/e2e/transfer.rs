//! Tenant export and import (issue 12): a line with real activity — its own desk takes
//! contacts, a joint case of two of its units runs to its close, a case is returned, a
//! consultation answered, a call logged by the call centre, deadlines swept — is exported,
//! imported into a fresh database under another personal-data key, and found whole: the same
//! rows in every table, every record equal field by field (personal data equal once
//! decrypted), and the statistics' counters without drift. Then the refusals.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use hotline_auth::PiiCipher;
use hotline_config::Settings;
use hotline_core::transfer::{self, Which};
use hotline_domain::ManualClock;
use hotline_store::transfer as tables;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::case_kit::complaint;
use crate::helpers::{TestApp, TestDb, TestKv, test_env};

const OTHER_PII_KEY: &str = "another-platform-pii-key-0123456789abcdef";

/// Another platform: a fresh database (same server kind as the test's), migrated, with its
/// own personal-data key.
struct Target {
    core: hotline_core::Core,
    _db: TestDb,
    _kv: TestKv,
}

async fn target(clock: &ManualClock) -> Target {
    let (db, url) = TestDb::create().await;
    let kv = TestKv::new();
    let settings = Settings::load(None, test_env(&url, &kv, &[("HOTLINE_PII_KEY", OTHER_PII_KEY)])).unwrap();
    let core = hotline_api::build_core(&settings, Arc::new(clock.clone())).await.expect("the target platform starts");
    Target { core, _db: db, _kv: kv }
}

async fn export(app: &TestApp, codes: &[&str]) -> Vec<u8> {
    let mut file = Vec::new();
    let which = Which::Codes(codes.iter().map(|c| c.to_string()).collect());
    transfer::export(&app.core.store, &app.core.pii, which, app.core.now(), &mut file).await.expect("export");
    file
}

/// Every exported row of the tenants, per table, as the export reads them.
async fn rows(core: &hotline_core::Core, ids: &[Uuid], codes: &[String]) -> BTreeMap<&'static str, Vec<Map<String, Value>>> {
    // As the export reads them: through the service's role, seeing the platform.
    hotline_store::scope::platform(rows_now(core, ids, codes)).await
}

async fn rows_now(core: &hotline_core::Core, ids: &[Uuid], codes: &[String]) -> BTreeMap<&'static str, Vec<Map<String, Value>>> {
    let mut out = BTreeMap::new();
    for spec in tables::specs() {
        // Reads only, as the export does (deferred on SQLite).
        #[allow(clippy::disallowed_methods)]
        let txn = hotline_store::TransactionTrait::begin(&core.store.db).await.unwrap();
        let mut got = Vec::new();
        tables::read_rows(&txn, spec, ids, codes, |r| -> Result<(), hotline_store::StoreError> {
            got.push(r);
            Ok(())
        })
        .await
        .unwrap();
        txn.rollback().await.unwrap();
        out.insert(spec.table, got);
    }
    out
}

/// The encrypted columns and the lookup hashes computed from them.
const SEALED: [(&str, &str); 5] = [
    ("cases", "caller_name_enc"),
    ("cases", "caller_phone_enc"),
    ("cases", "caller_phone_hash"),
    ("call_events", "caller_enc"),
    ("call_events", "caller_hash"),
];

fn open(pii: &PiiCipher, v: &Value) -> Option<String> {
    v.as_str().map(|s| pii.decrypt(s).expect("decrypts under its platform's key"))
}

/// Activity of line 12319 on its own: returns the ids of its cases.
async fn line_activity(app: &TestApp) -> Vec<String> {
    let desk = app.staff("12319", "desk.12319", &["agent", "dispatcher"], None).await;
    let lead_unit = app.unit("12319", "市容环境卫生处").await;
    let co_unit = app.unit("12319", "园林绿化处").await;
    let lead = app.staff("12319", "lead.12319", &["unit_handler"], Some(&lead_unit)).await;
    let co = app.staff("12319", "co.12319", &["unit_lead"], Some(&co_unit)).await;
    // Integrator keys are the security administrator's (三员分立).
    let security = app.token("security_admin").await;
    let (_, key) = app.call(Method::POST, "/api/v1/tenants/12319/api-keys", &security, Some(json!({"name": "呼叫中心"}))).await;
    let key = key["secret"].as_str().unwrap().to_owned();
    for event in ["ringing", "answered", "ended"] {
        let body = json!({"call_id": "T-1", "event": event, "caller_number": "13600001111", "dialled_number": "12319"});
        let res = app.client.post(app.url("/api/v1/calls/events")).header("x-api-key", &key).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    // A joint case of two of the line's units, from intake to close.
    let mut joint = complaint("行道树倒伏压住垃圾桶，环卫和园林都要处理。");
    joint["call_id"] = "T-1".into();
    let joint = app.intake(&desk, joint).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&desk, &joint, "dispatch", json!({"lead_unit_id": lead_unit, "co_unit_ids": [co_unit]})).await;
    app.clock.advance(Duration::minutes(20));
    for who in [&lead, &co] {
        assert_eq!(app.sign(who, &joint).await.0, StatusCode::OK);
    }
    app.ok_step(&co, &joint, "contribution", json!({"text": "树木已清理。"})).await;
    app.ok_step(&lead, &joint, "feedback", json!({"text": "垃圾桶已更换，树木已清理。", "resolved": true})).await;
    let closed = app.ok_step(&desk, &joint, "rating", json!({"rating": "satisfied"})).await;
    assert_eq!(closed["status"], "closed", "{closed}");

    // A case returned by its unit, waiting for the desk's review.
    let returned = app.intake(&desk, complaint("小区门口占道经营。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&desk, &returned, "dispatch", json!({"lead_unit_id": co_unit})).await;
    assert_eq!(app.sign(&co, &returned).await.0, StatusCode::OK);
    app.ok_step(&co, &returned, "return", json!({"reason_code": "not_our_jurisdiction", "reason": "占道经营属市容"})).await;

    // A consultation answered at once, and a case left unsigned until the sweep supervises it.
    let mut question = complaint("垃圾分类的投放时间是什么时候？");
    question["contact_type"] = "consultation".into();
    let answered = app.intake(&desk, question).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&desk, &answered, "answer", json!({"answer": "每天早七点到九点、晚六点到八点。"})).await;
    let waiting = app.intake(&desk, complaint("夜间渣土车抛洒。")).await["case_id"].as_str().unwrap().to_owned();
    app.ok_step(&desk, &waiting, "dispatch", json!({"lead_unit_id": lead_unit})).await;
    app.clock.advance(Duration::days(3));
    let swept = app.core.sweep_deadlines().await.unwrap();
    assert!(swept.supervisions + swept.reminders > 0, "{swept:?}");
    vec![joint, returned, answered, waiting]
}

fn days_around(app: &TestApp) -> (NaiveDate, NaiveDate) {
    let today = app.core.now().date_naive();
    (today - Duration::days(30), today + Duration::days(30))
}

#[tokio::test]
async fn a_line_moves_whole_to_a_platform_with_another_key() {
    let app = TestApp::spawn().await;
    let cases = line_activity(&app).await;
    let (from, to) = days_around(&app);
    assert_eq!(app.core.verify_counters(from, to).await.unwrap(), vec![], "the source has no drift to begin with");
    let file = export(&app, &["12319"]).await;
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(!text.contains("13600001111") && !text.contains("13812348000") && !text.contains("张三"), "personal data stays sealed");
    let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!((header["type"].as_str(), header["version"].as_u64()), (Some("header"), Some(1)));
    assert_eq!(header["requires"], json!([]), "a line working on its own needs no other line");

    let there = target(&app.clock).await;
    // Without the source key the import is refused and writes nothing.
    let refused = transfer::import(&there.core.store, &there.core.pii, None, file.as_slice()).await.unwrap_err();
    assert_eq!(refused.code, "pii_key_mismatch", "{refused}");
    let stranger = PiiCipher::new(b"neither-platform-key-0123456789abcdef");
    let refused = transfer::import(&there.core.store, &there.core.pii, Some(&stranger), file.as_slice()).await.unwrap_err();
    assert_eq!(refused.code, "pii_key_mismatch", "{refused}");
    assert_eq!(hotline_store::tenants::count(&there.core.store.db).await.unwrap(), 0);

    let summary = transfer::import(&there.core.store, &there.core.pii, Some(app.core.pii.as_ref()), file.as_slice()).await.expect("import");
    assert!(summary.reencrypted);
    assert_eq!(summary.tenants, vec!["12319".to_owned()]);
    assert_eq!(summary.counts["cases"], 4);

    // Table by table, row by row, field by field.
    let tenant = hotline_store::tenants::find_by_code(&app.core.store.db, "12319").await.unwrap().unwrap();
    let (ids, codes) = (vec![tenant.id], vec!["12319".to_owned()]);
    let (before, after) = (rows(&app.core, &ids, &codes).await, rows(&there.core, &ids, &codes).await);
    for spec in tables::specs() {
        let (b, a) = (&before[spec.table], &after[spec.table]);
        assert_eq!(b.len() as u64, summary.counts[spec.table], "{}", spec.table);
        assert_eq!(a.len(), b.len(), "{}", spec.table);
        for (x, y) in b.iter().zip(a) {
            for (col, _) in spec.cols {
                if SEALED.contains(&(spec.table, *col)) {
                    continue;
                }
                assert_eq!(x[*col], y[*col], "{}.{col}", spec.table);
            }
        }
    }
    for table in ["cases", "call_events"] {
        for (x, y) in before[table].iter().zip(&after[table]) {
            for (enc, hash) in
                [("caller_name_enc", None), ("caller_phone_enc", Some("caller_phone_hash")), ("caller_enc", Some("caller_hash"))]
            {
                let Some(sealed) = x.get(enc) else { continue };
                let plain = open(&app.core.pii, sealed);
                assert_eq!(open(&there.core.pii, &y[enc]), plain, "{table}.{enc}");
                if let (Some(hash), Some(p)) = (hash, &plain) {
                    assert_eq!(y[hash].as_str(), Some(there.core.pii.lookup_hash(p).as_str()), "{table}.{hash} under the new key");
                }
            }
        }
    }
    assert!(
        before["cases"].iter().any(|c| c["caller_phone_enc"].is_string())
            && before["call_events"].iter().any(|c| c["caller_enc"].is_string())
    );
    assert!(before["case_participants"].len() >= 4 && !before["deadline_crossings"].is_empty() && !before["stat_counters"].is_empty());
    assert!(cases.iter().all(|id| after["cases"].iter().any(|c| c["id"] == id.as_str())));

    // The statistics are those of the cases that came along: no drift on the new platform.
    assert_eq!(there.core.verify_counters(from, to).await.unwrap(), vec![]);

    // Importing again, or back into the source, is refused: an import never merges.
    for (core, what) in [(&there.core, "target"), (&app.core, "source")] {
        let again = transfer::import(&core.store, &core.pii, Some(app.core.pii.as_ref()), file.as_slice()).await.unwrap_err();
        assert_eq!(again.code, "tenant_exists", "{what}: {again}");
    }
}

#[tokio::test]
async fn a_line_that_handled_another_lines_cases_moves_only_with_that_line() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let receipt = app.intake(&agent, complaint("门口垃圾没人清运。")).await;
    let (id, tracking) = (receipt["case_id"].as_str().unwrap().to_owned(), receipt["tracking_number"].as_str().unwrap().to_owned());
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;

    // 12319's line statistics count a case the front door (12345) received.
    let alone = export(&app, &["12319"]).await;
    let header: Value = serde_json::from_str(std::str::from_utf8(&alone).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(header["requires"][0]["code"], "12345", "{header}");
    let there = target(&app.clock).await;
    let refused = transfer::import(&there.core.store, &there.core.pii, Some(app.core.pii.as_ref()), alone.as_slice()).await.unwrap_err();
    assert_eq!(refused.code, "missing_references");
    assert!(refused.message.contains("12345"), "{refused}");
    assert_eq!(hotline_store::tenants::count(&there.core.store.db).await.unwrap(), 0, "nothing written");

    // Together they move, and both lines' figures recount without drift.
    let together = export(&app, &["12345", "12319"]).await;
    let summary =
        transfer::import(&there.core.store, &there.core.pii, Some(app.core.pii.as_ref()), together.as_slice()).await.expect("import");
    assert_eq!(summary.tenants, vec!["12319".to_owned(), "12345".to_owned()]);
    let (from, to) = days_around(&app);
    assert_eq!(there.core.verify_counters(from, to).await.unwrap(), vec![]);
    let moved = hotline_store::scope::platform(hotline_store::cases::find_by_tracking(&there.core.store.db, &tracking))
        .await
        .unwrap()
        .expect("the case moved");
    assert_eq!((moved.id.to_string(), moved.lead_unit_id.map(|u| u.to_string())), (id, Some(unit)));
}

#[tokio::test]
async fn damaged_or_foreign_files_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let file = String::from_utf8(export(&app, &["12315"]).await).unwrap();
    let there = target(&app.clock).await;
    let import = |text: String| {
        let core = there.core.clone();
        let source = app.core.pii.clone();
        async move { transfer::import(&core.store, &core.pii, Some(source.as_ref()), text.as_bytes()).await.unwrap_err().code }
    };
    let lines: Vec<&str> = file.lines().collect();
    let without_end = lines[..lines.len() - 1].join("\n");
    assert_eq!(import(without_end).await, "truncated");
    let without_a_row = [&lines[..2], &lines[3..]].concat().join("\n");
    assert_eq!(import(without_a_row).await, "truncated");
    assert_eq!(import(String::new()).await, "bad_format");
    assert_eq!(import("{\"hello\": 1}\n".into()).await, "bad_format");
    assert_eq!(import(file.replacen("\"version\":1", "\"version\":2", 1)).await, "unsupported_version");
    assert_eq!(import(file.replacen("\"schema\":\"m2026", "\"schema\":\"m1999", 1)).await, "schema_mismatch");
    // A row smuggled in for a tenant the file does not bring.
    let platform = hotline_store::tenants::find_by_code(&app.core.store.db, "12345").await.unwrap().unwrap().id;
    let twelve315 = hotline_store::tenants::find_by_code(&app.core.store.db, "12315").await.unwrap().unwrap().id;
    let smuggled =
        lines
            .iter()
            .map(|l| {
                if l.contains("\"table\":\"units\"") { l.replacen(&twelve315.to_string(), &platform.to_string(), 1) } else { l.to_string() }
            })
            .collect::<Vec<_>>()
            .join("\n");
    assert_eq!(import(smuggled).await, "bad_format");
    let mistyped = file.replacen("\"is_district_fallback\":false", "\"is_district_fallback\":\"no\"", 1);
    assert_eq!(import(mistyped).await, "bad_format");
    assert_eq!(hotline_store::tenants::count(&there.core.store.db).await.unwrap(), 0, "every refusal rolled back");
    // An unknown code is named.
    let mut sink = Vec::new();
    let err =
        transfer::export(&app.core.store, &app.core.pii, Which::Codes(vec!["99999".into()]), app.core.now(), &mut sink).await.unwrap_err();
    assert_eq!(err.code, "unknown_tenant");
}

#[tokio::test]
async fn every_table_is_exported_or_named_as_left_behind() {
    let app = TestApp::spawn().await;
    let db = &app.core.store.db;
    for table in tables::schema_tables(db).await.unwrap() {
        let exported = tables::spec_of(&table);
        let left = tables::NOT_EXPORTED.iter().any(|(t, _)| *t == table);
        assert!(exported.is_some() != left, "{table}: exported or left behind, exactly one (a new table needs a decision)");
        if let Some(spec) = exported {
            let mut described: Vec<&str> = spec.cols.iter().map(|(c, _)| *c).collect();
            let mut actual = tables::schema_columns(db, &table).await.unwrap();
            described.sort();
            actual.sort();
            assert_eq!(described, actual, "{table}: the export describes every column");
        }
    }
}
