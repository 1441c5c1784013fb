//! Group-committed intake seen from outside: a burst of concurrent intakes is stored in shared
//! transactions, yet every request gets its own case and answer, tracking numbers run without
//! gaps or doubles, a key sent many times makes one case with byte-identical answers, the
//! counters match the event log, and what the rules ask to notify leaves through the outbox.

use std::collections::{BTreeSet, HashMap, HashSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_burst_of_intakes_shares_commits_yet_each_gets_its_own_case_and_number() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    // 40 plain contacts, 10 with keys of their own, and one key sent 10 times.
    let mut requests: Vec<(Option<String>, Value)> = Vec::new();
    for i in 0..40 {
        requests.push((None, complaint(&format!("第{i}号来电：小区垃圾无人清运。"))));
    }
    for i in 0..10 {
        requests.push((Some(format!("own-key-{i}")), complaint(&format!("带编号的第{i}个请求：路灯不亮。"))));
    }
    for _ in 0..10 {
        requests.push((Some("storm-key".into()), complaint("同一请求重复发送十次：井盖丢失。")));
    }
    let mut tasks = Vec::new();
    for (key, body) in requests {
        let client = app.client.clone();
        let (url, agent) = (app.url("/api/v1/cases"), agent.clone());
        tasks.push(tokio::spawn(async move {
            let mut req = client.post(url).bearer_auth(agent).json(&body);
            if let Some(k) = &key {
                req = req.header("Idempotency-Key", k);
            }
            let res = req.send().await.unwrap();
            (key, res.status(), res.text().await.unwrap())
        }));
    }
    let mut storm_answers = HashSet::new();
    let mut numbers = BTreeSet::new();
    let mut ids = HashSet::new();
    for t in tasks {
        let (key, status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        ids.insert(v["case_id"].as_str().unwrap().to_owned());
        numbers.insert(v["tracking_number"].as_str().unwrap().to_owned());
        if key.as_deref() == Some("storm-key") {
            storm_answers.insert(body);
        }
    }
    assert_eq!(ids.len(), 51, "one case per request, one for the repeated key");
    assert_eq!(storm_answers.len(), 1, "every repeat of a key gets the first answer byte for byte");

    // Numbers: one per case, consecutive from 1 (nothing failed, so nothing was given back).
    assert_eq!(numbers.len(), 51);
    let seqs: Vec<u64> = numbers.iter().map(|n| n.rsplit('-').next().unwrap().parse().unwrap()).collect();
    assert_eq!(seqs, (1..=51).collect::<Vec<u64>>());

    // Stored: each case once with its receive event; the counters agree with the log.
    let (_, list) = app.get("/api/v1/cases?limit=200", &agent).await;
    let stored: HashSet<String> = list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(stored, ids);
    for id in ids.iter().take(5) {
        assert_eq!(app.actions(&agent, id).await, vec!["receive"]);
    }
    let today = app.core.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    assert_eq!(app.core.verify_counters(today, today).await.unwrap(), vec![]);
    let supervisor = app.token("city_supervisor").await;
    let (_, summary) = app.get(&format!("/api/v1/stats/summary?from={today}&to={today}&metrics=received"), &supervisor).await;
    assert_eq!(summary["current"]["figures"][0]["value"], json!(51.0), "{summary}");
}

#[tokio::test]
async fn a_rule_that_notifies_a_unit_mails_its_staff_with_the_intake() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin_12319").await;
    let unit = app.unit("12319", "市政设施管理处").await;
    let body = json!({"username": "road_lead", "display_name": "道路科长", "email": "road.lead@example.org",
                      "password": "a long test passphrase", "roles": ["unit_lead"], "unit_id": unit});
    let (status, res) = app.call(Method::POST, "/api/v1/tenants/12319/users", &admin, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    let rules = json!([{
        "name": "井盖缺失立即提醒", "event": "case_received", "priority": 50, "conditions": {"kw": ["井盖"]},
        "actions": [{"type": "route_to_unit", "unit": unit}, {"type": "add_tag", "tag": "安全隐患"}, {"type": "notify", "unit": unit}],
        "stop": true
    }]);
    let (status, set) = app.call(Method::POST, "/api/v1/tenants/12319/rule-sets", &admin, Some(json!({"rules": rules}))).await;
    assert_eq!(status, StatusCode::CREATED, "{set}");
    let path = format!("/api/v1/tenants/12319/rule-sets/{}/publish", set["id"].as_str().unwrap());
    let (status, res) = app.call(Method::POST, &path, &admin, None).await;
    assert_eq!(status, StatusCode::OK, "{res}");

    let agent = app.token("agent").await;
    let before = hotline_store::outbox::all(&app.raw_db().await).await.unwrap().len();
    let receipt = app.intake(&agent, complaint("人行道上的井盖不见了，非常危险。")).await;
    let quiet = app.intake(&agent, complaint("小区垃圾无人清运。")).await;
    let mail = hotline_store::outbox::all(&app.raw_db().await).await.unwrap();
    let new: Vec<_> = mail[before..].iter().collect();
    assert_eq!(new.len(), 1, "the matching intake notifies once, the other not at all: {new:?}");
    let m = new[0];
    assert_eq!(m.recipient, "road.lead@example.org");
    assert!(m.subject.contains(receipt["tracking_number"].as_str().unwrap()) && m.subject.contains("规则提醒"), "{}", m.subject);
    assert!(m.body.contains("安全隐患"), "the rule's tags say why: {}", m.body);
    let by_case: HashMap<_, _> = mail.iter().map(|m| (m.subject.clone(), m)).collect();
    assert!(!by_case.keys().any(|s| s.contains(quiet["tracking_number"].as_str().unwrap())));
}

/// Two instances on one database (scale-out) take the same keys at the same moment: one case
/// per key whichever instance stores it first, every answer of a key the same bytes, and the
/// loser's batch neither fails nor stores a twin (it waits for the winner's transaction, or
/// rolls back and tries again once it sees the key). On SQLite this found batches failing
/// with "database is locked" (a deferred transaction that read before the other instance
/// committed cannot write): the writer now begins `IMMEDIATE` there.
#[tokio::test]
async fn two_instances_racing_on_the_same_keys_store_each_key_once() {
    let a = TestApp::spawn().await;
    let b = a.second_instance().await;
    let agent = a.token("agent").await;
    const KEYS: usize = 24;
    let mut tasks = Vec::new();
    for round in 0..3 {
        for k in 0..KEYS {
            for app in [&a, &b] {
                let client = app.client.clone();
                let (url, agent) = (app.url("/api/v1/cases"), agent.clone());
                let body = complaint(&format!("两个实例同时收到第{k}个请求：人行道砖块松动。"));
                tasks.push(tokio::spawn(async move {
                    let res = client.post(url).bearer_auth(agent).header("Idempotency-Key", format!("race-{k}")).json(&body).send().await;
                    let res = res.unwrap();
                    (k, round, res.status(), res.text().await.unwrap())
                }));
            }
        }
    }
    let mut answers: HashMap<usize, HashSet<String>> = HashMap::new();
    for t in tasks {
        let (k, round, status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "key {k}, round {round}: {body}");
        answers.entry(k).or_default().insert(body);
    }
    assert_eq!(answers.len(), KEYS);
    let mut ids = HashSet::new();
    let mut numbers = HashSet::new();
    for (k, bodies) in &answers {
        assert_eq!(bodies.len(), 1, "key {k}: all six answers are the first one, byte for byte: {bodies:?}");
        let v: Value = serde_json::from_str(bodies.iter().next().unwrap()).unwrap();
        ids.insert(v["case_id"].as_str().unwrap().to_owned());
        numbers.insert(v["tracking_number"].as_str().unwrap().to_owned());
    }
    assert_eq!((ids.len(), numbers.len()), (KEYS, KEYS), "one case and one number per key");
    let (_, list) = a.get("/api/v1/cases?limit=200", &agent).await;
    let stored: HashSet<String> = list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(stored, ids, "exactly the answered cases are stored, no twin");
    let today = a.core.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    assert_eq!(a.core.verify_counters(today, today).await.unwrap(), vec![], "the counters count each case once");
}
