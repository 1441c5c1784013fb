//! Logs (issue 12): JSON lines whose request span names the request, the tenant and the case,
//! and no personal data anywhere. A realistic flow — intake with a caller's name and phone,
//! a reveal, a dispatch that mails a unit, an Open311 request with phone, e-mail and name, a
//! refused intake, a citizen's tracking look-up — runs with everything logged captured
//! (the whole test binary's output: a leak by any test fails this one), then the log is
//! scanned for mobile numbers, e-mail addresses and the names used.

use regex::Regex;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TestApp;

const NAME: &str = "欧阳明月";
const PHONE: &str = "13712340917";
const O311_PHONE: &str = "15923456781";
const O311_FIRST: &str = "孔明";
const O311_LAST: &str = "诸葛";
const O311_EMAIL: &str = "kongming.zhuge@example.org";
const STAFF_EMAIL: &str = "ouyang.handler@unit.example.cn";

/// Chinese mobile numbers standing alone (not inside a longer run of letters or digits, as in
/// an id or a timestamp).
fn mobile_numbers(text: &str) -> Vec<String> {
    let re = Regex::new(r"(?:^|[^0-9A-Za-z])(1[3-9][0-9]{9})(?:$|[^0-9A-Za-z])").unwrap();
    re.captures_iter(text).map(|c| c[1].to_owned()).collect()
}

fn email_addresses(text: &str) -> Vec<String> {
    let re = Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_owned()).collect()
}

/// The captured JSON lines of one request (by the X-Request-Id the test sent).
fn lines_of(logs: &str, request_id: &str) -> Vec<Value> {
    logs.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|l| l["span"]["request_id"] == request_id).collect()
}

fn served<'a>(lines: &'a [Value], request_id: &str) -> &'a Value {
    lines.iter().find(|l| l["fields"]["message"] == "served").unwrap_or_else(|| panic!("no served line for {request_id}"))
}

impl TestApp {
    async fn send_as(&self, id: &str, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path)).bearer_auth(token).header("x-request-id", id);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }
}

#[test]
fn the_scanners_find_what_they_look_for() {
    assert_eq!(mobile_numbers(r#"{"to":"13712340917"} 请回电13812348000。"#), vec!["13712340917", "13812348000"]);
    assert!(mobile_numbers("0190f3a2-7c4e-7b41-a1c3-113712340917 12345-20261122-000001 1371234091").is_empty());
    assert_eq!(email_addresses("to z***@unit.example.cn or li.si@example.org <0190@hotline>"), vec!["li.si@example.org"]);
}

#[tokio::test]
async fn a_realistic_flow_logs_ids_and_no_personal_data() {
    let app = TestApp::spawn().await;
    let run = Uuid::new_v4().simple().to_string();
    let rid = |step: &str| format!("pii-{}-{step}", &run[..12]);
    let agent = app.token("agent").await;
    let dispatcher = app.token("dispatcher").await;
    let line_admin = app.token("admin_12319").await;
    let unit = app.unit("12319", "市容环境卫生处").await;
    let staff = json!({"username": "ouyang.handler", "display_name": "欧阳处理员", "email": STAFF_EMAIL,
        "password": "a long test passphrase", "roles": ["unit_handler"], "unit_id": unit});
    assert_eq!(app.call(Method::POST, "/api/v1/tenants/12319/users", &line_admin, Some(staff)).await.0, StatusCode::CREATED);

    // Intake: name and phone in their fields, and the phone typed into the description too.
    let mut intake = crate::case_kit::complaint(&format!("请回电{PHONE}，找{NAME}。路灯坏了。"));
    intake["caller_name"] = NAME.into();
    intake["caller_phone"] = PHONE.into();
    let (status, receipt) = app.send_as(&rid("intake"), Method::POST, "/api/v1/cases", &agent, Some(intake.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let case = receipt["case_id"].as_str().unwrap().to_owned();
    let tracking = receipt["tracking_number"].as_str().unwrap().to_owned();
    let reveal = format!("/api/v1/cases/{case}/reveal-contact");
    let (status, revealed) = app.send_as(&rid("reveal"), Method::POST, &reveal, &agent, Some(json!({"reason": "回访核实"}))).await;
    assert_eq!((status, revealed.to_string().contains(PHONE)), (StatusCode::OK, true), "{revealed}");
    // A dispatch mails the unit's handler; without SMTP the mail goes to the log.
    let dispatch = format!("/api/v1/cases/{case}/dispatch");
    assert_eq!(
        app.send_as(&rid("dispatch"), Method::POST, &dispatch, &dispatcher, Some(json!({"lead_unit_id": unit}))).await.0,
        StatusCode::OK
    );
    assert_eq!(app.core.relay_outbox().await.unwrap().sent, 1);
    // A refused intake (the phone has a letter in it).
    intake["caller_phone"] = "1371234091x".into();
    assert_eq!(app.send_as(&rid("refused"), Method::POST, "/api/v1/cases", &agent, Some(intake)).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // The citizen tracks the case with the last four digits.
    let track = format!("/api/v1/public/cases/{tracking}?phone_last4={}", &PHONE[7..]);
    let res = app.client.get(app.url(&track)).header("x-request-id", rid("track")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Open311: phone, e-mail and names as form fields, an address in the text.
    // Integrator keys are the security administrator's (三员分立).
    let security = app.token("security_admin").await;
    let (_, key) = app.call(Method::POST, "/api/v1/tenants/12319/api-keys", &security, Some(json!({"name": "市民App"}))).await;
    let key = key["secret"].as_str().unwrap().to_owned();
    let description = format!("水管爆裂，联系 {O311_EMAIL} 或 {O311_PHONE}");
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "12319-water"),
        ("lat", "26.08"),
        ("long", "119.30"),
        ("address_string", "鼓楼区杨桥路88号"),
        ("description", description.as_str()),
        ("first_name", O311_FIRST),
        ("last_name", O311_LAST),
        ("phone", O311_PHONE),
        ("email", O311_EMAIL),
        ("attribute[contact_type]", "complaint"),
    ];
    let res =
        app.client.post(app.url("/open311/v2/requests.json")).header("x-request-id", rid("open311")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let o311_case = res.json::<Value>().await.unwrap()[0]["token"].as_str().unwrap().to_owned();

    let logs = crate::helpers::captured_logs();

    // Each request's closing line names the route pattern, the tenant and the case.
    let platform = hotline_store::tenants::find_by_code(&app.core.store.db, "12345").await.unwrap().unwrap().id.to_string();
    for (step, route, tenant, case_id) in [
        ("intake", "/api/v1/cases", "12345", case.as_str()),
        ("reveal", "/api/v1/cases/{id}/reveal-contact", "12345", case.as_str()),
        ("dispatch", "/api/v1/cases/{id}/dispatch", "12345", case.as_str()),
        ("open311", "/open311/v2/requests.{format}", "12319", o311_case.as_str()),
    ] {
        let lines = lines_of(&logs, &rid(step));
        let line = served(&lines, &rid(step));
        assert_eq!(line["fields"]["route"], route, "{line}");
        assert_eq!((line["span"]["tenant"].as_str(), line["span"]["case_id"].as_str()), (Some(tenant), Some(case_id)), "{line}");
        if tenant == "12345" {
            assert_eq!(line["span"]["tenant_id"], platform.as_str());
        }
    }
    let track_line = lines_of(&logs, &rid("track"));
    assert!(served(&track_line, &rid("track"))["span"].get("tenant").is_none(), "a citizen is no tenant");
    let mail: Vec<&str> = logs.lines().filter(|l| l.contains("e-mail (no SMTP configured)")).collect();
    assert!(mail.iter().any(|l| l.contains("o***@unit.example.cn")), "the mail was logged, its recipient masked: {mail:?}");

    // And nothing personal, in any line of any test.
    assert_eq!(mobile_numbers(&logs), Vec::<String>::new(), "mobile numbers in the log");
    assert_eq!(email_addresses(&logs), Vec::<String>::new(), "e-mail addresses in the log");
    for word in [NAME, PHONE, O311_PHONE, O311_FIRST, O311_LAST, O311_EMAIL, STAFF_EMAIL] {
        let hit = logs.lines().find(|l| l.contains(word));
        assert!(hit.is_none(), "{word} in the log: {hit:?}");
    }
}
