//! Who calls and what they call with: the principals of the matrix and, for each kind of id,
//! the records that fill the path parameters.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::entry::Stage;
use crate::case_kit::complaint;
use crate::helpers::TestApp;

/// The caller's line, the other line (whose records must stay invisible and untouched) and a
/// third line that leads the joint case the caller's unit co-handles.
pub const OURS: &str = "12319";
pub const THEIRS: &str = "12315";
const THIRD: &str = "12369";
pub const MISSING: &str = "01900000-0000-7000-8000-000000000000";
pub const SECRET_PHONE: &str = crate::case_kit::PHONE;
const PASSPHRASE: &str = "a long test passphrase";

/// The principals, in the order of the letters of a matrix entry (see `table.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    LineAgent,
    LineDispatcher,
    LineAdmin,
    LineAuditor,
    UnitLead,
    UnitHandler,
    Integrator,
    Agent,
    Dispatcher,
    Supervisor,
    CityAdmin,
    SecurityAdmin,
    AuditAdmin,
    Anonymous,
}

pub const EVERYONE: [Who; 14] = [
    Who::LineAgent,
    Who::LineDispatcher,
    Who::LineAdmin,
    Who::LineAuditor,
    Who::UnitLead,
    Who::UnitHandler,
    Who::Integrator,
    Who::Agent,
    Who::Dispatcher,
    Who::Supervisor,
    Who::CityAdmin,
    Who::SecurityAdmin,
    Who::AuditAdmin,
    Who::Anonymous,
];

impl Who {
    /// Staff of the caller's line (and anonymous callers) must never meet the other line; the
    /// platform's staff are city-wide by design and are checked on our line's records only.
    pub fn is_confined(self) -> bool {
        !matches!(self, Who::Agent | Who::Dispatcher | Who::Supervisor | Who::CityAdmin | Who::SecurityAdmin | Who::AuditAdmin)
    }
}

/// How a request authenticates.
#[derive(Clone)]
pub enum Credential {
    Bearer(String),
    ApiKey(String),
    None,
}

/// The records of one side (our line, theirs, or ids that exist nowhere).
#[derive(Debug, Clone)]
pub struct Side {
    pub code: String,
    pub unit: String,
    pub user: String,
    pub key: String,
    pub category: String,
    pub rule_set: String,
    pub article: String,
    pub case: String,
    pub call: String,
    pub tracking: String,
}

impl Side {
    /// Ids that are not even well-formed: answered with a 4xx, never a server error.
    fn malformed() -> Self {
        let m = "not-an-id".to_owned();
        Side {
            code: "abc".into(),
            unit: m.clone(),
            user: m.clone(),
            key: m.clone(),
            category: m.clone(),
            rule_set: m.clone(),
            article: m.clone(),
            case: m.clone(),
            call: "x".repeat(100),
            tracking: m,
        }
    }

    fn missing() -> Self {
        let m = MISSING.to_owned();
        Side {
            code: "99999".into(),
            unit: m.clone(),
            user: m.clone(),
            key: m.clone(),
            category: m.clone(),
            rule_set: m.clone(),
            article: m.clone(),
            case: m,
            call: "no-such-call".into(),
            tracking: "12345-20000101-000001".into(),
        }
    }
}

pub struct Cast {
    pub ours: Side,
    pub theirs: Side,
    pub missing: Side,
    pub malformed: Side,
    /// A case received by the platform, led by a unit of the third line, co-handled by ours.
    pub joint_case: String,
    /// A published public article of our line, for the public knowledge base.
    pub public_article: String,
    pub our_unit_name: String,
    /// Another unit of ours, which takes nothing part until a dispatcher makes it the lead.
    pub spare_unit: String,
    credentials: Vec<(Who, Credential)>,
}

impl Cast {
    pub fn credential(&self, who: Who) -> Credential {
        self.credentials.iter().find(|(w, _)| *w == who).map(|(_, c)| c.clone()).unwrap_or(Credential::None)
    }

    fn token(&self, who: Who) -> String {
        match self.credential(who) {
            Credential::Bearer(t) => t,
            _ => unreachable!("{who:?} signs in"),
        }
    }

    pub fn integrator_key(&self) -> String {
        match self.credential(Who::Integrator) {
            Credential::ApiKey(k) => k,
            _ => unreachable!("the integrator signs with a key"),
        }
    }
}

impl TestApp {
    async fn key_of(&self, code: &str, name: &str) -> Value {
        let security = self.token("security_admin").await;
        let (status, key) =
            self.call(Method::POST, &format!("/api/v1/tenants/{code}/api-keys"), &security, Some(json!({ "name": name }))).await;
        assert_eq!(status, StatusCode::CREATED, "{key}");
        key
    }

    /// A case received by `code` through its integrator key, dispatched by its dispatcher to
    /// `unit` (lead). Returns (id, tracking number).
    async fn line_case(&self, key: &str, dispatcher: &str, unit: &str) -> (String, String) {
        let (status, case) = self.call_with_key(Method::POST, "/api/v1/cases", key, Some(complaint("路灯不亮，夜里看不清路。"))).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        let id = case["case_id"].as_str().unwrap().to_owned();
        self.ok_step(dispatcher, &id, "dispatch", json!({ "lead_unit_id": unit })).await;
        (id, case["tracking_number"].as_str().unwrap().to_owned())
    }

    async fn call_event(&self, key: &str, call_id: &str) {
        let body = json!({ "call_id": call_id, "event": "ringing", "caller_number": SECRET_PHONE });
        let (status, res) = self.call_with_key(Method::POST, "/api/v1/calls/events", key, Some(body)).await;
        assert!(status.is_success(), "{res}");
    }

    async fn category_of(&self, code: &str, admin: &str) -> String {
        let body = json!({ "code": format!("matrix-{code}"), "name": "矩阵测试类别" });
        let (status, res) = self.call(Method::POST, &format!("/api/v1/tenants/{code}/categories"), admin, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
        res["id"].as_str().unwrap().to_owned()
    }

    /// A draft rule set holding the line's published rules.
    async fn draft_rules(&self, code: &str, admin: &str) -> String {
        let base = format!("/api/v1/tenants/{code}/rule-sets");
        let first = self.first_id(&base, admin).await;
        let (_, published) = self.get(&format!("{base}/{first}"), admin).await;
        let (status, res) = self.call(Method::POST, &base, admin, Some(json!({ "rules": published["rules"] }))).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
        res["id"].as_str().unwrap().to_owned()
    }

    async fn article_of(&self, code: &str, writer: &str, public: bool) -> (String, Value) {
        let body =
            json!({ "title": "停水期间临时供水点", "body": "鼓楼区停水期间，临时供水点设在东街口。", "tags": ["供水"], "public": public });
        let (status, a) = self.call(Method::POST, &format!("/api/v1/tenants/{code}/kb/articles"), writer, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        (a["id"].as_str().unwrap().to_owned(), a)
    }

    async fn published_article(&self, code: &str, writer: &str, approver: &str) -> String {
        let (id, a) = self.article_of(code, writer, true).await;
        let version = a["latest_version"].as_i64().unwrap();
        for (who, action) in [(writer, "submit"), (approver, "approve")] {
            let path = format!("/api/v1/kb/articles/{id}/versions/{version}/{action}");
            let (status, res) = self.call(Method::POST, &path, who, None).await;
            assert_eq!(status, StatusCode::OK, "{action}: {res}");
        }
        id
    }

    /// Staff, keys and records of one line; `prefix` keeps usernames apart.
    async fn side(&self, code: &str, prefix: &str, unit: &str) -> (Side, Vec<(Who, Credential)>) {
        let admin = self.token(&format!("admin_{code}")).await;
        let agent = self.staff(code, &format!("{prefix}.agent"), &["agent"], None).await;
        let dispatcher = self.staff(code, &format!("{prefix}.dispatcher"), &["dispatcher"], None).await;
        let auditor = self.staff(code, &format!("{prefix}.auditor"), &["auditor"], None).await;
        let lead = self.staff(code, &format!("{prefix}.lead"), &["unit_lead"], Some(unit)).await;
        let handler = self.token(&format!("handler_{code}")).await;
        // The target of account changes: none of the callers, so their sessions survive.
        self.staff(code, &format!("{prefix}.target"), &["dispatcher"], None).await;
        let security = self.token("security_admin").await;
        let user = self.first_id(&format!("/api/v1/tenants/{code}/users?q={prefix}.target"), &security).await;
        let integrator = self.key_of(code, &format!("{prefix} integrator")).await["secret"].as_str().unwrap().to_owned();
        let key = self.key_of(code, &format!("{prefix} spare")).await["id"].as_str().unwrap().to_owned();
        let (case, tracking) = self.line_case(&integrator, &dispatcher, unit).await;
        let call = format!("{prefix}-call-1");
        self.call_event(&integrator, &call).await;
        let side = Side {
            code: code.to_owned(),
            unit: unit.to_owned(),
            user,
            key,
            category: self.category_of(code, &admin).await,
            rule_set: self.draft_rules(code, &admin).await,
            article: self.article_of(code, &agent, false).await.0,
            case,
            call,
            tracking,
        };
        let who = vec![
            (Who::LineAgent, Credential::Bearer(agent)),
            (Who::LineDispatcher, Credential::Bearer(dispatcher)),
            (Who::LineAdmin, Credential::Bearer(admin)),
            (Who::LineAuditor, Credential::Bearer(auditor)),
            (Who::UnitLead, Credential::Bearer(lead)),
            (Who::UnitHandler, Credential::Bearer(handler)),
            (Who::Integrator, Credential::ApiKey(integrator)),
        ];
        (side, who)
    }

    /// Builds both lines, the joint case and the platform's principals.
    pub async fn cast(&self) -> Cast {
        let our_unit_name = "市容环境卫生处";
        let our_unit = self.unit(OURS, our_unit_name).await;
        let their_unit = self.unit(THEIRS, "消费者权益保护处").await;
        let third_unit = self.unit(THIRD, "大气环境处").await;
        let spare_unit = self.unit(OURS, "园林绿化处").await;
        let (ours, mut credentials) = self.side(OURS, "m", &our_unit).await;
        let (theirs, _) = self.side(THEIRS, "t", &their_unit).await;
        let agent = self.token("agent").await;
        let dispatcher = self.token("dispatcher").await;
        let joint = self.intake(&agent, complaint("工地扬尘，夜间施工噪音扰民。")).await["case_id"].as_str().unwrap().to_owned();
        self.ok_step(&dispatcher, &joint, "dispatch", json!({ "lead_unit_id": third_unit, "co_unit_ids": [our_unit] })).await;
        let line_agent = match &credentials[0].1 {
            Credential::Bearer(t) => t.clone(),
            _ => unreachable!(),
        };
        let public_article = self.published_article(OURS, &line_agent, &self.token(&format!("admin_{OURS}")).await).await;
        for (who, name) in [
            (Who::Agent, "agent"),
            (Who::Dispatcher, "dispatcher"),
            (Who::Supervisor, "city_supervisor"),
            (Who::CityAdmin, "city_admin"),
            (Who::SecurityAdmin, "security_admin"),
            (Who::AuditAdmin, "auditor"),
        ] {
            credentials.push((who, Credential::Bearer(self.token(name).await)));
        }
        Cast {
            ours,
            theirs,
            missing: Side::missing(),
            malformed: Side::malformed(),
            joint_case: joint,
            public_article,
            our_unit_name: our_unit_name.into(),
            spare_unit,
            credentials,
        }
    }
}

impl TestApp {
    /// A new case of our line (received through its integrator key) brought to `stage` by our
    /// dispatcher and our lead unit's handler.
    pub async fn fresh_case(&self, c: &Cast, stage: Stage) -> String {
        let (dispatcher, handler) = (c.token(Who::LineDispatcher), c.token(Who::UnitHandler));
        let (status, case) =
            self.call_with_key(Method::POST, "/api/v1/cases", &c.integrator_key(), Some(complaint("路灯又坏了，夜里看不清路。"))).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        let id = case["case_id"].as_str().unwrap().to_owned();
        if stage == Stage::Received {
            return id;
        }
        let co: Vec<&str> = if stage == Stage::SignedWithCo { vec![c.spare_unit.as_str()] } else { vec![] };
        self.ok_step(&dispatcher, &id, "dispatch", json!({ "lead_unit_id": c.ours.unit, "co_unit_ids": co })).await;
        if stage == Stage::Dispatched {
            return id;
        }
        assert_eq!(self.sign(&handler, &id).await.0, StatusCode::OK);
        let (who, step, body) = match stage {
            Stage::Returned => (&handler, "return", json!({ "reason_code": "other", "reason": "需补充信息" })),
            Stage::ExtensionAsked => (&handler, "extension", json!({ "days": 3, "reason": "需采购灯具" })),
            Stage::NoticeGiven => (&dispatcher, "supervision-notice", json!({ "text": "请于今日答复" })),
            Stage::FeedbackGiven => (&handler, "feedback", json!({ "text": "路灯已修复。", "resolved": true })),
            _ => return id,
        };
        self.ok_step(who, &id, step, body).await;
        id
    }
}

/// The password of the accounts the cast creates (the login entry signs one in).
pub fn passphrase() -> &'static str {
    PASSPHRASE
}
