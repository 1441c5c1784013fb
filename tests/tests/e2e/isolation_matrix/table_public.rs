//! The matrix rows of what answers without an account: health, sign-in, the citizens' portal
//! and Open311. They are called without credentials; every answer is also scanned for
//! personal data and for the other line's record ids (see `run.rs`).

use reqwest::Method;
use serde_json::json;

use super::cast::passphrase;
use super::entry::{Entry, Ids, public};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

pub fn entries() -> Vec<Entry> {
    vec![
        public(Method::GET, "/healthz", Ids::None, "o"),
        public(Method::GET, "/readyz", Ids::None, "o"),
        public(Method::POST, "/api/v1/auth/login", Ids::None, "o")
            .json(|_, _, _| json!({ "username": "m.target", "password": passphrase() })),
        // Bogus credentials: refused, whatever they claim.
        public(Method::POST, "/api/v1/auth/refresh", Ids::None, "u").json(|_, _, _| json!({ "refresh_token": "not-a-token" })),
        public(Method::POST, "/api/v1/auth/mfa/verify", Ids::None, "u")
            .json(|_, _, _| json!({ "mfa_token": "not-a-token", "code": "000000" })),
        public(Method::POST, "/api/v1/auth/mfa/enrol", Ids::None, "u").json(|_, _, _| json!({ "mfa_token": "not-a-token" })),
        public(Method::POST, "/api/v1/auth/mfa/enrol/confirm", Ids::None, "u")
            .json(|_, _, _| json!({ "mfa_token": "not-a-token", "code": "000000" })),
        // The citizens' portal: a tracking number and the phone's last four digits.
        public(Method::POST, "/api/v1/public/cases", Ids::None, "o").json(|_, _, n| {
            let mut body = crate::case_kit::complaint(&format!("网上反映：人行道破损（{n}）。"));
            body["channel"] = "web".into();
            body
        }),
        // A citizen holding a tracking number and the phone reads that case, whichever line has it.
        public(Method::GET, "/api/v1/public/cases/{tracking_number}", Ids::Tracking, "o").query("phone_last4=8000"),
        public(Method::POST, "/api/v1/public/cases/{tracking_number}/rating", Ids::Tracking, "p")
            .json(|_, _, _| json!({ "phone_last4": "8000", "rating": "satisfied" })),
        public(Method::GET, "/api/v1/public/kb/articles/{id}", Ids::PublicArticle, "o").other_like_missing(),
        public(Method::GET, "/api/v1/public/kb/search", Ids::None, "o").query("q=%E4%BE%9B%E6%B0%B4"),
        // Open311: public reads; writes carry our line's integrator key in the form.
        public(Method::GET, "/open311/v2/discovery.{format}", Ids::Open311, "o"),
        public(Method::GET, "/open311/v2/services.{format}", Ids::Open311, "o"),
        public(Method::GET, "/open311/v2/services/{service_code}.{format}", Ids::Open311Service, "o"),
        public(Method::GET, "/open311/v2/requests.{format}", Ids::Open311, "o"),
        public(Method::GET, "/open311/v2/requests/{service_request_id}.{format}", Ids::Open311Request, "o"),
        public(Method::GET, "/open311/v2/tokens/{token}.{format}", Ids::Open311Token, "o"),
        public(Method::GET, "/open311/v2/servicerequestupdates.{format}", Ids::Open311, "o"),
        public(Method::POST, "/open311/v2/requests.{format}", Ids::Open311, "o").form(|c, _| {
            let mut f = form(&[
                ("service_code", "12319-sanitation"),
                ("lat", "26.08"),
                ("long", "119.30"),
                ("description", "路边垃圾堆积"),
                ("attribute[contact_type]", "complaint"),
            ]);
            f.push(("api_key".into(), c.integrator_key()));
            f
        }),
        // Another line's request is not ours to update: exactly like one that does not exist.
        public(Method::POST, "/open311/v2/servicerequestupdates.{format}", Ids::Open311Request, "o")
            .form(|c, side| {
                let mut f = form(&[("status", "OPEN"), ("description", "垃圾越来越多了")]);
                f.push(("api_key".into(), c.integrator_key()));
                f.push(("service_request_id".into(), side.tracking.clone()));
                f
            })
            .other_like_missing(),
    ]
}
