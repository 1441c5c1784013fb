//! Intake rules, idempotency, personal data, the public side and CTI call events.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::case_kit::{PHONE, complaint};
use crate::helpers::TestApp;

#[tokio::test]
async fn intake_validates_every_field_with_its_name() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    for (patch, field) in [
        (json!({"channel": "pigeon"}), "channel"),
        (json!({"contact_type": "rant"}), "contact_type"),
        (json!({"urgency": "asap"}), "urgency"),
        (json!({"description": ""}), "description"),
        (json!({"description": "<script>alert(1)</script>"}), "description"),
        (json!({"description": "字".repeat(4001)}), "description"),
        (json!({"caller_phone": "call me"}), "caller_phone"),
        (json!({"lat": 26.08}), "long"),
        (json!({"lat": 126.0, "long": 119.3}), "lat"),
        (json!({"attachments": [{"url": "ftp://x", "type": "image/png", "size": 1}]}), "attachments[0].url"),
        (json!({"dialled_number": "x"}), "dialled_number"),
        (json!({"reported_unit_id": "01900000-0000-7000-8000-000000000000"}), "reported_unit_id"),
    ] {
        let mut body = complaint("正常的描述");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, res) = app.call(Method::POST, "/api/v1/cases", &agent, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}: {res}");
        assert_eq!(res["field"], field, "{patch}: {res}");
    }
    let handler = app.token("handler_12319").await;
    let (status, _) = app.call(Method::POST, "/api/v1/cases", &handler, Some(complaint("x"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "units do not take contacts");
}

#[tokio::test]
async fn the_same_idempotency_key_from_twenty_clients_creates_one_case() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let body = complaint("同一个请求并发提交二十次。");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = reqwest::Client::new();
        let url = app.url("/api/v1/cases");
        let (agent, body) = (agent.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).bearer_auth(agent).header("Idempotency-Key", "same-key-20").json(&body).send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        let (status, res) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                ids.insert(res["case_id"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => assert_eq!(res["code"], "idempotency_conflict", "{res}"),
            other => panic!("unexpected {other}: {res}"),
        }
    }
    assert_eq!(ids.len(), 1, "every success names the same case");
    let (_, list) = app.get("/api/v1/cases?q=并发提交", &agent).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "exactly one case stored");

    // A later retry replays the first answer; the same key with another body is refused.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&agent)
        .header("Idempotency-Key", "same-key-20")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(res.json::<Value>().await.unwrap()["case_id"].as_str(), ids.iter().next().map(String::as_str));
    let other = complaint("另一个请求体");
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&agent)
        .header("Idempotency-Key", "same-key-20")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["reason"], "idempotency_key_reused");
}

#[tokio::test]
async fn caller_data_is_masked_everywhere_but_the_audited_reveal() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let receipt = app.intake(&agent, complaint("噪音扰民。")).await;
    let id = receipt["case_id"].as_str().unwrap();
    let tracking = receipt["tracking_number"].as_str().unwrap();
    let mut seen = Vec::new();
    seen.push(receipt.to_string());
    let case = app.case(&agent, id).await;
    assert_eq!((case["caller_phone"].as_str(), case["caller_name"].as_str()), (Some("138****8000"), Some("张*")));
    seen.push(case.to_string());
    seen.push(app.get("/api/v1/cases", &agent).await.1.to_string());
    seen.push(app.get(&format!("/api/v1/cases/{id}/events"), &agent).await.1.to_string());
    let public = app.client.get(app.url(&format!("/api/v1/public/cases/{tracking}?phone_last4=8000"))).send().await.unwrap();
    seen.push(public.text().await.unwrap());
    for text in &seen {
        assert!(!text.contains(PHONE) && !text.contains("张三"), "clear contact data leaked: {text}");
    }
    // The clear data is stored encrypted, not in clear.
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.core.store.db.get_database_backend();
    let row = app
        .raw_db()
        .await
        .query_one_raw(Statement::from_string(backend, "SELECT caller_phone_enc, caller_name_enc FROM cases"))
        .await
        .unwrap()
        .unwrap();
    let stored: String = row.try_get("", "caller_phone_enc").unwrap();
    assert!(!stored.contains(PHONE));

    let (status, res) = app.call(Method::POST, &format!("/api/v1/cases/{id}/reveal-contact"), &agent, Some(json!({}))).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
    let (status, res) =
        app.call(Method::POST, &format!("/api/v1/cases/{id}/reveal-contact"), &agent, Some(json!({"reason": "回访核实"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((res["caller_phone"].as_str(), res["caller_name"].as_str()), (Some(PHONE), Some("张三")));
    let auditor = app.token("auditor").await;
    let (_, audit) = app.get("/api/v1/audit-events?action=case.reveal_contact", &auditor).await;
    let entry = &audit["items"][0];
    assert_eq!(
        (entry["actor_name"].as_str(), entry["detail"].as_str(), entry["target"].as_str()),
        (Some("agent"), Some("回访核实"), Some(tracking))
    );
    let supervisor = app.token("city_supervisor").await;
    let (status, _) =
        app.call(Method::POST, &format!("/api/v1/cases/{id}/reveal-contact"), &supervisor, Some(json!({"reason": "看看"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_reported_unit_never_sees_the_whistle_blower() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let mut body = complaint("某执法人员收受好处。");
    body["contact_type"] = "report".into();
    body["reported_unit_id"] = unit.clone().into();
    let id = app.intake(&dispatcher, body).await["case_id"].as_str().unwrap().to_owned();
    // Even if it is (wrongly) dispatched to the unit reported about.
    app.ok_step(&dispatcher, &id, "dispatch", json!({"lead_unit_id": unit})).await;
    let handler = app.token("handler_12319").await;
    let seen = app.case(&handler, &id).await;
    assert!(seen["caller_phone"].is_null() && seen["caller_name"].is_null(), "{seen}");
    let (status, _) =
        app.call(Method::POST, &format!("/api/v1/cases/{id}/reveal-contact"), &handler, Some(json!({"reason": "想知道是谁"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.case(&dispatcher, &id).await["caller_phone"], "138****8000");
}

#[tokio::test]
async fn a_short_number_keeps_four_digits_hidden_and_still_proves_the_caller() {
    // Found by the phone property test: the old mask showed a seven-digit number whole.
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let mut body = complaint("楼道灯坏了。");
    body["caller_phone"] = "765-4321".into();
    let receipt = app.intake(&agent, body).await;
    let case = app.case(&agent, receipt["case_id"].as_str().unwrap()).await;
    assert_eq!(case["caller_phone"], "****321");
    // The tracking proof is the number's last four, not the mask's.
    let tracking = receipt["tracking_number"].as_str().unwrap();
    let track = |d: &str| app.client.get(app.url(&format!("/api/v1/public/cases/{tracking}?phone_last4={d}"))).send();
    assert_eq!(track("4321").await.unwrap().status(), StatusCode::OK);
    assert_eq!(track("5432").await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn citizens_report_track_and_are_rate_limited() {
    let app = TestApp::spawn_with(&[("HOTLINE_PUBLIC_RATE_LIMIT_PER_HOUR", "5")]).await;
    let mut body = complaint("网上反映：人行道破损。");
    body["channel"] = "web".into();
    let res = app.client.post(app.url("/api/v1/public/cases")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let receipt: Value = res.json().await.unwrap();
    let tracking = receipt["tracking_number"].as_str().unwrap();
    let token = receipt["public_token"].as_str().unwrap();

    let track = |q: String| app.client.get(app.url(&format!("/api/v1/public/cases/{tracking}?{q}"))).send();
    let by_phone: Value = track("phone_last4=8000".into()).await.unwrap().json().await.unwrap();
    assert_eq!((by_phone["status"].as_str(), by_phone["can_rate"].as_bool()), (Some("received"), Some(false)));
    assert!(by_phone.get("caller_phone").is_none() && by_phone.get("description").is_none(), "nothing personal");
    assert_eq!(track(format!("token={token}")).await.unwrap().status(), StatusCode::OK);
    let wrong = track("phone_last4=1234".into()).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let wrong: Value = wrong.json().await.unwrap();
    let missing: Value =
        app.client.get(app.url("/api/v1/public/cases/12345-20000101-000001?phone_last4=8000")).send().await.unwrap().json().await.unwrap();
    assert_eq!(wrong, missing, "a wrong proof looks like an unknown number");
    // Five requests so far from this address: the sixth waits.
    let res = track("phone_last4=8000".into()).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(track("phone_last4=8000".into()).await.unwrap().status(), StatusCode::OK);
    // Staff-only fields are refused on the public form.
    body["channel"] = "phone".into();
    let res = app.client.post(app.url("/api/v1/public/cases")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn call_events_are_idempotent_and_linked_to_their_case() {
    let app = TestApp::spawn().await;
    // Integrator keys are handed out by the security administrator (三员分立).
    let admin = app.token("security_admin").await;
    let (_, key) = app.call(Method::POST, "/api/v1/tenants/12345/api-keys", &admin, Some(json!({"name": "呼叫中心CTI"}))).await;
    let key = key["secret"].as_str().unwrap().to_owned();
    let post = |body: Value| app.client.post(app.url("/api/v1/calls/events")).header("x-api-key", &key).json(&body).send();
    let ringing = json!({"call_id": "C-0001", "event": "ringing", "dialled_number": "12345", "caller_number": PHONE, "ivr_path": "1-3"});
    let res = post(ringing.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["caller_number"], "138****8000");
    let res = post(ringing).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a repeat is recognised");
    assert_eq!(res.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(post(json!({"call_id": "C-0001", "event": "answered", "agent": "agent"})).await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(post(json!({"call_id": "C-0001", "event": "hung"})).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The agent takes the contact from that call: the call is linked to the case.
    let agent = app.token("agent").await;
    let mut body = complaint("电话反映占道经营。");
    body["call_id"] = "C-0001".into();
    let case_id = app.intake(&agent, body).await["case_id"].as_str().unwrap().to_owned();
    let calls: Value =
        app.client.get(app.url("/api/v1/calls/C-0001")).header("x-api-key", &key).send().await.unwrap().json().await.unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 2);
    assert!(calls.as_array().unwrap().iter().all(|e| e["case_id"] == case_id.as_str()));
    // A call answered without a case is kept as such.
    post(json!({"call_id": "C-0002", "event": "answered"})).await.unwrap();
    let lone: Value = app.client.get(app.url("/api/v1/calls/C-0002")).header("x-api-key", &key).send().await.unwrap().json().await.unwrap();
    assert!(lone[0]["case_id"].is_null());
    // Another line's key does not see this tenant's calls.
    let (_, other) = app.call(Method::POST, "/api/v1/tenants/12315/api-keys", &admin, Some(json!({"name": "k"}))).await;
    let res = app.client.get(app.url("/api/v1/calls/C-0001")).header("x-api-key", other["secret"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn no_log_line_carries_a_clear_phone_number() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let receipt = app.intake(&agent, complaint("夜间施工噪音。")).await;
    let id = receipt["case_id"].as_str().unwrap();
    let tracking = receipt["tracking_number"].as_str().unwrap();
    let _ = app.call(Method::POST, &format!("/api/v1/cases/{id}/reveal-contact"), &agent, Some(json!({"reason": "回访"}))).await;
    let _ = app.client.get(app.url(&format!("/api/v1/public/cases/{tracking}?phone_last4=8000"))).send().await;
    let mut bad = complaint("电话格式错误");
    bad["caller_phone"] = format!("{PHONE}x").into();
    let _ = app.call(Method::POST, "/api/v1/cases", &agent, Some(bad)).await;
    let logs = crate::helpers::captured_logs();
    assert!(logs.contains("served"), "request lines are captured");
    assert!(!logs.contains(PHONE), "a clear phone number reached the log");
}

#[tokio::test]
async fn an_integrator_key_reads_only_the_cases_it_brought_in() {
    let app = TestApp::spawn().await;
    // Integrator keys are handed out by the security administrator (三员分立).
    let admin = app.token("security_admin").await;
    let (_, key) = app.call(Method::POST, "/api/v1/tenants/12345/api-keys", &admin, Some(json!({"name": "市民App"}))).await;
    let key = key["secret"].as_str().unwrap().to_owned();
    let mut body = complaint("App 上报：井盖缺失。");
    body["channel"] = "app".into();
    let res = app.client.post(app.url("/api/v1/cases")).header("x-api-key", &key).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let mine = res.json::<Value>().await.unwrap()["case_id"].as_str().unwrap().to_owned();
    let agent = app.token("agent").await;
    let theirs = app.intake(&agent, complaint("电话反映。")).await["case_id"].as_str().unwrap().to_owned();
    let get = |id: String| app.client.get(app.url(&format!("/api/v1/cases/{id}"))).header("x-api-key", &key).send();
    assert_eq!(get(mine.clone()).await.unwrap().status(), StatusCode::OK);
    assert_eq!(get(theirs).await.unwrap().status(), StatusCode::NOT_FOUND);
    let list: Value = app.client.get(app.url("/api/v1/cases")).header("x-api-key", &key).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Integrators take no lifecycle steps.
    let res =
        app.client.post(app.url(&format!("/api/v1/cases/{mine}/accept"))).header("x-api-key", &key).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_linked_requester_sees_the_answer_of_the_open_case() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let master = app.intake(&agent, complaint("广场垃圾堆积。")).await["case_id"].as_str().unwrap().to_owned();
    let mut second = complaint("广场上好多垃圾。");
    second["caller_phone"] = "13900001111".into();
    let receipt = app.intake(&agent, second).await;
    let dup = receipt["case_id"].as_str().unwrap();
    app.ok_step(&agent, dup, "link", json!({"duplicate_of": master})).await;
    app.ok_step(&dispatcher, &master, "dispatch", json!({"lead_unit_id": unit})).await;
    app.sign(&handler, &master).await;
    app.ok_step(&handler, &master, "feedback", json!({"text": "广场垃圾已清理。", "resolved": true})).await;
    let tracking = receipt["tracking_number"].as_str().unwrap();
    let view: Value =
        app.client.get(app.url(&format!("/api/v1/public/cases/{tracking}?phone_last4=1111"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["answer"], "广场垃圾已清理。");
    assert_eq!(view["status"], "feedback_given");
    assert!(view["linked_to"].is_string());
}

#[tokio::test]
async fn public_idempotency_keys_belong_to_one_address() {
    let app = TestApp::spawn().await;
    let mut body = complaint("网上反映：路面塌陷。");
    body["channel"] = "web".into();
    let from = |octet: u8| {
        reqwest::Client::builder().local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, octet))).build().unwrap()
    };
    let send = |client: reqwest::Client| {
        let (url, body) = (app.url("/api/v1/public/cases"), body.clone());
        async move { client.post(url).header("Idempotency-Key", "form-1").json(&body).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let a1 = send(from(1)).await;
    let a2 = send(from(1)).await;
    let b = send(from(2)).await;
    assert_eq!(a1["case_id"], a2["case_id"], "the same citizen's retry replays");
    assert_ne!(a1["case_id"], b["case_id"], "another citizen never gets the first one's answer or token");
}
