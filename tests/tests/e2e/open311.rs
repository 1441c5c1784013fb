//! Open311 GeoReport v2 under /open311/v2: services from the lines' catalogues, requests filed
//! as ordinary cases, public reads without personal data, the spec's errors in both formats,
//! and mySociety's request updates (follow-ups, "not fixed").

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const PHONE: &str = "13812345678";

/// A raw Open311 answer: status, content type, body text.
struct Raw {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("JSON ({e}): {}", self.text))
    }
}

impl TestApp {
    async fn o311(&self, method: Method, path: &str, form: &[(&str, &str)]) -> Raw {
        let mut req = self.client.request(method, self.url(&format!("/open311/v2/{path}")));
        if !form.is_empty() {
            req = req.form(form);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        Raw { status, content_type, text: res.text().await.unwrap() }
    }

    async fn o311_get(&self, path: &str) -> Raw {
        self.o311(Method::GET, path, &[]).await
    }

    /// A new integrator key of `code`, made by the security administrator.
    async fn integrator_key(&self, code: &str) -> String {
        let admin = self.token("security_admin").await;
        let (status, res) =
            self.call(Method::POST, &format!("/api/v1/tenants/{code}/api-keys"), &admin, Some(json!({"name": "open311 test"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
        res["secret"].as_str().unwrap().to_owned()
    }

    /// Files a request and returns the POST answer's first item.
    async fn file(&self, key: &str, service: &str, description: &str, contact_type: &str) -> Value {
        let form = [
            ("api_key", key),
            ("service_code", service),
            ("lat", "26.08"),
            ("long", "119.30"),
            ("address_string", "鼓楼区杨桥路88号"),
            ("description", description),
            ("first_name", "小明"),
            ("last_name", "王"),
            ("phone", PHONE),
            ("attribute[contact_type]", contact_type),
        ];
        let raw = self.o311(Method::POST, "requests.json", &form).await;
        assert_eq!(raw.status, StatusCode::OK, "{}", raw.text);
        raw.json()[0].clone()
    }
}

/// The spec's error list: one entry with the HTTP status as its code.
fn assert_error(raw: &Raw, status: u16, words: &str) {
    assert_eq!(raw.status.as_u16(), status, "{}", raw.text);
    if raw.content_type.starts_with("text/xml") {
        assert!(raw.text.contains(&format!("<errors><error><code>{status}</code><description>")), "{}", raw.text);
        assert!(raw.text.contains(words), "{words} in {}", raw.text);
    } else {
        let body = raw.json();
        assert_eq!(body[0]["code"], json!(status), "{body}");
        assert!(body[0]["description"].as_str().unwrap().contains(words), "{words} in {body}");
    }
}

#[tokio::test]
async fn services_come_from_the_lines_catalogues_in_json_and_xml() {
    let app = TestApp::spawn().await;
    let raw = app.o311_get("services.json").await;
    assert_eq!((raw.status, raw.content_type.as_str()), (StatusCode::OK, "application/json; charset=utf-8"));
    let all = raw.json();
    let codes: Vec<&str> = all.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"12319-water") && codes.contains(&"12315-food") && codes.contains(&"12345-other"), "{codes:?}");
    let water = all.as_array().unwrap().iter().find(|s| s["service_code"] == "12319-water").unwrap();
    assert_eq!(
        (water["service_name"].as_str(), water["metadata"].as_bool(), water["type"].as_str()),
        (Some("供水"), Some(true), Some("realtime"))
    );
    assert_eq!(water["group"], "城市管理服务热线", "group is the line");

    // A line keeping its number is a jurisdiction of its own; an absorbed one is not.
    let line = app.o311_get("services.json?jurisdiction_id=12319").await.json();
    assert!(line.as_array().unwrap().iter().all(|s| s["service_code"].as_str().unwrap().starts_with("12319-")), "{line}");
    assert_error(&app.o311_get("services.json?jurisdiction_id=12358").await, 404, "jurisdiction");
    assert_error(&app.o311_get("services.xml?jurisdiction_id=nowhere").await, 404, "jurisdiction");

    let xml = app.o311_get("services.xml").await;
    assert_eq!((xml.status, xml.content_type.as_str()), (StatusCode::OK, "text/xml; charset=utf-8"));
    assert!(xml.text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<services><service>"), "{}", xml.text);
    assert_eq!(xml.text.matches("<service>").count(), codes.len(), "the same services in both formats");
    assert!(xml.text.contains("<service_code>12319-water</service_code>") && xml.text.contains("<service_name>供水</service_name>"));

    let def = app.o311_get("services/12319-water.json").await.json();
    let attr = &def["attributes"][0];
    assert_eq!(
        (attr["code"].as_str(), attr["datatype"].as_str(), attr["required"].as_bool()),
        (Some("contact_type"), Some("singlevaluelist"), Some(true))
    );
    let keys: Vec<&str> = attr["values"].as_array().unwrap().iter().map(|v| v["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["consultation", "complaint", "report", "suggestion", "help", "praise", "other"]);
    let def_xml = app.o311_get("services/12319-water.xml").await.text;
    assert!(
        def_xml.contains("<service_definition><attributes><attribute>") && def_xml.contains("<value><key>complaint</key>"),
        "{def_xml}"
    );

    assert_error(&app.o311_get("services/12319-nope.json").await, 404, "service");
    assert_error(&app.o311_get("services/12319-nope.xml").await, 404, "service");
    // Another jurisdiction's service is not in this one.
    assert_error(&app.o311_get("services/12315-food.json?jurisdiction_id=12319").await, 404, "service");
    assert_error(&app.o311_get("services.yaml").await, 400, "format");
    assert_error(&app.o311_get("services.json?colour=red").await, 400, "colour");
    assert_error(&app.o311_get("services.json?jurisdiction_id=12345&jurisdiction_id=12319").await, 400, "more than once");

    let discovery = app.o311_get("discovery.json").await.json();
    assert_eq!(discovery["endpoints"][0]["url"], json!(app.url("/open311/v2")));
    assert_eq!(discovery["endpoints"][0]["formats"], json!(["text/xml", "application/json"]));
}

#[tokio::test]
async fn a_request_is_an_ordinary_case_and_public_reads_show_nothing_personal() {
    let app = TestApp::spawn().await;
    let key = app.integrator_key("12345").await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let supervisor = app.token("city_supervisor").await;
    let text = format!("小区停水三天了，请联系我{PHONE}或 zhang.san@example.com");
    let created = app.file(&key, "12319-water", &text, "complaint").await;
    let id = created["service_request_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("12345-"), "a tracking number of the receiving platform: {id}");
    let case_id = created["token"].as_str().unwrap().to_owned();

    // The case, as staff see it: classified by the service, taken in through the web.
    let case = app.case(&agent, &case_id).await;
    assert_eq!((case["tracking_number"].as_str(), case["category"].as_str()), (Some(id.as_str()), Some("供水")));
    assert_eq!((case["channel"].as_str(), case["contact_type"].as_str()), (Some("web"), Some("complaint")));
    assert_eq!(case["caller_phone"], "138****5678");
    assert_eq!(case["address"], "鼓楼区杨桥路88号");
    // Routed by the rule sets like any other case (停水 → 12319, utilities).
    assert_eq!(case["urgency"], "utilities");
    let (_, routing) = app.get(&format!("/api/v1/cases/{case_id}/routing"), &agent).await;
    assert_eq!(routing[0]["decision"]["lines"][0]["code"], "12319", "{routing}");

    let one = app.o311_get(&format!("requests/{id}.json")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    for secret in [PHONE, "5678", "zhang.san", "王", "小明"] {
        assert!(!one.text.contains(secret), "{secret} leaked: {}", one.text);
    }
    let r = &one.json()[0];
    assert_eq!(
        (r["status"].as_str(), r["service_code"].as_str(), r["service_name"].as_str()),
        (Some("open"), Some("12319-water"), Some("供水"))
    );
    assert_eq!(r["description"], "小区停水三天了，请联系我[已隐去]或 [已隐去]");
    assert_eq!((r["lat"].as_f64(), r["long"].as_f64()), (Some(26.08), Some(119.30)));
    assert!(r["expected_datetime"].is_null() && r["agency_responsible"].is_null(), "not dispatched yet: {r}");
    assert!(r.get("extended_attributes").is_none());

    // Dispatched along the routing decision: the lead unit answers for it, by its deadline.
    let case = app.ok_step(&dispatcher, &case_id, "dispatch", json!({})).await;
    let lead = case["lead_unit_id"].as_str().unwrap().to_owned();
    let r = app.o311_get(&format!("requests/{id}.json?extensions=true")).await.json()[0].clone();
    let (_, unit) = app.get(&format!("/api/v1/tenants/12319/units/{lead}"), &app.token("city_admin").await).await;
    assert_eq!(r["agency_responsible"], unit["name"]);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(r["expected_datetime"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(case["feedback_due_at"].as_str().unwrap()).unwrap()
    );
    assert!(r["status_notes"].as_str().unwrap().contains("dispatched"), "{r}");
    let ext = &r["extended_attributes"];
    assert_eq!((ext["state"].as_str(), ext["channel"].as_str(), ext["line"].as_str()), (Some("dispatched"), Some("web"), Some("12345")));
    assert_eq!(ext["attributes"]["contact_type"], "complaint");
    let notes: Vec<&str> = ext["notes"].as_array().unwrap().iter().map(|n| n["status"].as_str().unwrap()).collect();
    assert_eq!(notes, ["open", "open"], "received, dispatched: {ext}");

    // The same in XML, with the token resolving to the request.
    let xml = app.o311_get(&format!("requests/{id}.xml")).await;
    assert!(xml.text.contains(&format!("<agency_responsible>{}</agency_responsible>", unit["name"].as_str().unwrap())), "{}", xml.text);
    assert!(xml.text.contains("<service_code>12319-water</service_code>") && xml.text.contains("<zipcode/>"), "{}", xml.text);
    let tok = app.o311_get(&format!("tokens/{case_id}.json")).await.json();
    assert_eq!(tok, json!([{"service_request_id": id, "token": case_id}]));
    assert_error(&app.o311_get(&format!("tokens/{}.json", uuid::Uuid::now_v7())).await, 404, "token");
    assert_error(&app.o311_get("requests/12345-20990101-000001.xml").await, 404, "not found");

    // Counted like any case: received once on the platform, and no drift.
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let (status, summary) =
        app.get(&format!("/api/v1/stats/summary?from={today}&to={today}&metrics=received,dispatched"), &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let received = summary["current"]["figures"].as_array().unwrap().iter().find(|f| f["metric"] == "received").unwrap()["value"].clone();
    assert_eq!(received, json!(1.0), "{summary}");
    assert_eq!(app.core.verify_counters(today, today).await.unwrap(), vec![]);
}

#[tokio::test]
async fn posting_needs_a_valid_key_of_the_jurisdiction_and_valid_fields() {
    let app = TestApp::spawn().await;
    let key = app.integrator_key("12345").await;
    let line_key = app.integrator_key("12319").await;
    let agent = app.token("agent").await;
    let ok = |k: &'static str, v: &'static str| (k, v);
    let base = [ok("service_code", "12319-water"), ok("lat", "26.08"), ok("long", "119.3"), ok("attribute[contact_type]", "complaint")];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, String)> {
        base.iter().chain(extra.iter()).map(|(k, v)| (*k, (*v).to_owned())).collect()
    };
    let post = |form: Vec<(&'static str, String)>, path: &'static str| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.o311(Method::POST, path, &pairs).await
        }
    };
    assert_error(&post(with(&[]), "requests.json").await, 403, "api_key is required");
    assert_error(&post(with(&[]), "requests.xml").await, 403, "api_key is required");
    let mut bad = with(&[]);
    bad.push(("api_key", "hlk_nothing_here".into()));
    assert_error(&post(bad, "requests.json").await, 403, "not a valid");
    // A staff token is not an integrator key.
    let mut staff = with(&[]);
    staff.push(("api_key", agent.clone()));
    assert_error(&post(staff, "requests.json").await, 403, "not a valid");
    // A line's key files in its own jurisdiction only.
    let mut foreign = with(&[ok("jurisdiction_id", "12345")]);
    foreign.push(("api_key", line_key.clone()));
    assert_error(&post(foreign, "requests.json").await, 403, "12319");
    let mut wrong_service = with(&[]);
    wrong_service.retain(|(k, _)| *k != "service_code");
    wrong_service.extend([("api_key", line_key.clone()), ("service_code", "12315-food".into())]);
    assert_error(&post(wrong_service, "requests.json").await, 400, "12315-food");

    for (drop, add, words) in [
        ("attribute[contact_type]", vec![], "contact_type"),
        ("attribute[contact_type]", vec![("attribute[contact_type]", "rumour".to_owned())], "rumour"),
        ("", vec![("attribute[colour]", "red".to_owned())], "colour"),
        ("long", vec![], "lat and long"),
        ("", vec![("description", "长".repeat(4001))], "at most 4000"),
        ("", vec![("phone", "12".to_owned())], "phone"),
        ("", vec![("lat", "north".to_owned())], "more than once"),
        ("", vec![("media_url", "ftp://x".to_owned())], "media_url"),
        ("", vec![("media_url", "http://[bad".to_owned())], "media_url"),
    ] {
        let mut form = with(&[]);
        form.retain(|(k, _)| *k != drop);
        form.push(("api_key", key.clone()));
        form.extend(add);
        assert_error(&post(form, "requests.json").await, 400, words);
    }
    let mut nowhere = with(&[]);
    nowhere.retain(|(k, _)| *k != "lat" && *k != "long");
    nowhere.push(("api_key", key.clone()));
    assert_error(&post(nowhere, "requests.json").await, 400, "location");
    // JSON is not the spec's body.
    let res = app.client.post(app.url("/open311/v2/requests.json")).json(&json!({"api_key": key})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // The line's own key files in its jurisdiction: received by the line itself.
    let mine = app.file(&line_key, "12319-sanitation", "路边垃圾堆积", "complaint").await;
    assert!(mine["service_request_id"].as_str().unwrap().starts_with("12319-"), "{mine}");
    let listed = app.o311_get("requests.json?jurisdiction_id=12319").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    // A revoked key files nothing.
    let admin = app.token("security_admin").await;
    let (_, keys) = app.get("/api/v1/tenants/12319/api-keys", &admin).await;
    let key_id = keys["items"][0]["id"].as_str().unwrap();
    let (status, _) = app.call(Method::DELETE, &format!("/api/v1/tenants/12319/api-keys/{key_id}"), &admin, None).await;
    assert!(status.is_success(), "{status}");
    let mut revoked = with(&[]);
    revoked.push(("api_key", line_key));
    revoked.retain(|(k, _)| *k != "service_code");
    revoked.push(("service_code", "12319-sanitation".into()));
    assert_error(&post(revoked, "requests.json").await, 403, "not a valid");
}

#[tokio::test]
async fn lists_filter_page_and_never_show_reports() {
    let app = TestApp::spawn().await;
    let key = app.integrator_key("12345").await;
    let agent = app.token("agent").await;
    let a = app.file(&key, "12319-water", "停水了", "complaint").await["service_request_id"].as_str().unwrap().to_owned();
    let b = app.file(&key, "12315-food", "超市卖过期牛奶", "complaint").await["service_request_id"].as_str().unwrap().to_owned();
    let c = app.file(&key, "12345-other", "咨询公积金提取", "consultation").await;
    let (c_id, c_case) = (c["service_request_id"].as_str().unwrap().to_owned(), c["token"].as_str().unwrap().to_owned());
    let report = app.file(&key, "12319-sanitation", "某单位乱倒垃圾", "report").await["service_request_id"].as_str().unwrap().to_owned();
    app.ok_step(&agent, &c_case, "answer", json!({"answer": "请登录公积金网站办理。"})).await;

    let ids =
        |v: Value| -> Vec<String> { v.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap().to_owned()).collect() };
    let all = ids(app.o311_get("requests.json").await.json());
    assert_eq!(all, [c_id.clone(), b.clone(), a.clone()], "newest first, the report never listed");
    assert_error(&app.o311_get(&format!("requests/{report}.json")).await, 404, "not found");
    assert_eq!(ids(app.o311_get("requests.json?service_code=12319-water,12315-food").await.json()), [b.clone(), a.clone()]);
    assert_eq!(ids(app.o311_get("requests.json?service_code=12345-other").await.json()), vec![c_id.clone()]);
    assert_eq!(ids(app.o311_get("requests.json?status=closed").await.json()), vec![c_id.clone()]);
    assert_eq!(ids(app.o311_get("requests.json?status=open,closed").await.json()).len(), 3);
    let closed = &app.o311_get(&format!("requests/{c_id}.json")).await.json()[0];
    assert_eq!((closed["status"].as_str(), closed["service_code"].as_str()), (Some("closed"), Some("12345-other")));
    assert!(closed["status_notes"].as_str().unwrap().contains("answered at first contact"), "{closed}");
    // service_request_id overrides every other filter.
    assert_eq!(
        ids(app.o311_get(&format!("requests.json?service_request_id={a},{c_id}&status=closed")).await.json()),
        [c_id.clone(), a.clone()]
    );
    assert_eq!(ids(app.o311_get("requests.json?page_size=2").await.json()), [c_id.clone(), b.clone()]);
    assert_eq!(ids(app.o311_get("requests.json?page_size=2&page=2").await.json()), vec![a.clone()]);
    // The 12319 jurisdiction sees only what reached its line (nothing is dispatched yet).
    assert!(ids(app.o311_get("requests.json?jurisdiction_id=12319").await.json()).is_empty());

    let now = Utc::now();
    let w3c = |d: chrono::DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).replace('+', "%2B");
    let window = format!("start_date={}&end_date={}", w3c(now - chrono::Duration::days(1)), w3c(now + chrono::Duration::days(1)));
    assert_eq!(ids(app.o311_get(&format!("requests.json?{window}")).await.json()).len(), 3);
    let past = format!("start_date={}&end_date={}", w3c(now - chrono::Duration::days(30)), w3c(now - chrono::Duration::days(20)));
    assert!(ids(app.o311_get(&format!("requests.json?{past}")).await.json()).is_empty());
    for (q, words) in [
        (format!("start_date={}&end_date={}", w3c(now - chrono::Duration::days(91)), w3c(now)), "90 days"),
        (format!("start_date={}&end_date={}", w3c(now), w3c(now - chrono::Duration::days(1))), "before"),
        ("start_date=2026-11-01".to_owned(), "zone"),
        ("page_size=201".to_owned(), "page_size"),
        ("page=0".to_owned(), "page"),
        ("status=pending".to_owned(), "pending"),
        // Every parameter is checked, even when ids override the filters; empty is not absent.
        (format!("service_request_id={a}&status=pending"), "pending"),
        ("start_date=".to_owned(), "empty"),
        ("extensions=yes".to_owned(), "extensions"),
    ] {
        assert_error(&app.o311_get(&format!("requests.json?{q}")).await, 400, words);
    }
    // A code this jurisdiction does not have matches nothing.
    assert!(ids(app.o311_get("requests.json?service_code=12319-nope").await.json()).is_empty());
    let xml = app.o311_get("requests.xml?status=closed").await;
    assert_eq!(xml.text.matches("<request>").count(), 1, "{}", xml.text);
}

#[tokio::test]
async fn citizens_follow_up_and_say_not_fixed_through_request_updates() {
    let app = TestApp::spawn().await;
    let key = app.integrator_key("12345").await;
    let line_key = app.integrator_key("12319").await;
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let handler = app.token("handler_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let filed = app.file(&key, "12319-sanitation", "小区门口垃圾三天没人清运", "complaint").await;
    let (id, case_id) = (filed["service_request_id"].as_str().unwrap().to_owned(), filed["token"].as_str().unwrap().to_owned());
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();

    let update = |k: &str, status: &str, text: &str| {
        let form: Vec<(String, String)> = [("api_key", k), ("service_request_id", id.as_str()), ("status", status), ("description", text)]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.o311(Method::POST, "servicerequestupdates.json", &pairs).await
        }
    };
    // A follow-up on an open case: recorded, the case stays where it is.
    let raw = update(&key, "OPEN", "垃圾越来越多了，电话13900001111").await;
    assert_eq!(raw.status, StatusCode::OK, "{}", raw.text);
    let u = &raw.json()[0];
    assert_eq!((u["service_request_id"].as_str(), u["status"].as_str()), (Some(id.as_str()), Some("OPEN")));
    assert!(!raw.text.contains("13900001111"), "{}", raw.text);
    assert_eq!(app.case(&agent, &case_id).await["status"], "received");
    assert_eq!(app.actions(&agent, &case_id).await, ["receive", "follow_up"]);
    let (_, events) = app.get(&format!("/api/v1/cases/{case_id}/events"), &agent).await;
    assert!(events["items"][1]["reason"].as_str().unwrap().contains("13900001111"), "staff see the full addition: {events}");

    // Refused: no key, another line's key (the case is not theirs: not found), no text, bad status.
    assert_error(&update("", "OPEN", "x").await, 403, "api_key");
    assert_error(&update(&line_key, "OPEN", "x").await, 404, "not found");
    assert_error(&update(&key, "OPEN", "").await, 400, "description");
    assert_error(&update(&key, "FIXED?", "x").await, 400, "FIXED?");

    // Handled, then "not fixed": a dissatisfied rating sends it back to the unit (二次派单).
    app.ok_step(&dispatcher, &case_id, "dispatch", json!({"lead_unit_id": unit})).await;
    app.sign(&handler, &case_id).await;
    app.ok_step(&handler, &case_id, "feedback", json!({"text": "垃圾已清运完毕。", "resolved": true})).await;
    assert_error(&update(&key, "CLOSED", "谢谢").await, 400, "already answered");
    let raw = update(&key, "OPEN", "根本没有清运，垃圾还在").await;
    assert_eq!(raw.status, StatusCode::OK, "{}", raw.text);
    let case = app.case(&agent, &case_id).await;
    assert_eq!((case["status"].as_str(), case["reopen_count"].as_i64()), (Some("dispatched"), Some(1)));
    let (_, events) = app.get(&format!("/api/v1/cases/{case_id}/events"), &agent).await;
    let rate = events["items"].as_array().unwrap().iter().find(|e| e["action"] == "rate").unwrap();
    assert_eq!((rate["actor_kind"].as_str(), rate["to_status"].as_str()), (Some("api_key"), Some("dispatched")), "{rate}");
    // Each round of handling is rated once: not fixed again escalates again; once the citizen
    // is satisfied (here on the return visit), "not fixed" is refused.
    app.sign(&handler, &case_id).await;
    app.ok_step(&handler, &case_id, "feedback", json!({"text": "已再次清运。", "resolved": true})).await;
    assert_eq!(update(&key, "OPEN", "还是没有").await.status, StatusCode::OK);
    assert_eq!(app.case(&agent, &case_id).await["reopen_count"], 2);
    app.sign(&handler, &case_id).await;
    app.ok_step(&handler, &case_id, "feedback", json!({"text": "第三次清运，已拍照确认。", "resolved": true})).await;
    app.ok_step(&agent, &case_id, "rating", json!({"rating": "satisfied"})).await;
    assert_error(&update(&key, "OPEN", "又有了").await, 400, "rated");

    // The public log of the request, oldest first, in both formats: every public step, and
    // none of the internal ones.
    let public = ["receive", "follow_up", "dispatch", "sign", "feedback", "rate"];
    let expected = app.actions(&agent, &case_id).await.into_iter().filter(|a| public.contains(&a.as_str())).count();
    let list = app.o311_get("servicerequestupdates.json").await.json();
    let steps: Vec<&str> = list.as_array().unwrap().iter().map(|u| u["description"].as_str().unwrap()).collect();
    assert_eq!(steps.len(), expected, "{steps:?}");
    assert!(steps.iter().any(|s| s.contains("垃圾已清运完毕")), "feedback is public: {steps:?}");
    assert_eq!(list.as_array().unwrap().last().unwrap()["status"], "CLOSED");
    assert!(list.as_array().unwrap().iter().all(|u| u["service_request_id"] == id.as_str()));
    let xml = app.o311_get("servicerequestupdates.xml").await.text;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service_request_updates><request_update>"), "{xml}");
    assert_eq!(xml.matches("<request_update>").count(), expected);
    assert_eq!(app.o311_get("servicerequestupdates.json?page_size=3&page=2").await.json().as_array().unwrap().len(), 3);
    assert_error(&app.o311_get("servicerequestupdates.json?start_date=yesterday").await, 400, "start_date");
    assert_eq!(app.core.verify_counters(today, today).await.unwrap(), vec![]);
}
