//! Helpers for the case tests: intake, steps, units and unit staff.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const PHONE: &str = "13812348000";

pub fn complaint(text: &str) -> Value {
    json!({
        "channel": "phone",
        "contact_type": "complaint",
        "category": "市容环境",
        "description": text,
        "address": "鼓楼区东街口",
        "district": "鼓楼区",
        "caller_name": "张三",
        "caller_phone": PHONE,
        "dialled_number": "12345"
    })
}

impl TestApp {
    /// Takes in a contact as `token` and returns the intake answer.
    pub async fn intake(&self, token: &str, body: Value) -> Value {
        let (status, res) = self.call(Method::POST, "/api/v1/cases", token, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
        res
    }

    pub async fn step(&self, token: &str, case: &str, step: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, &format!("/api/v1/cases/{case}/{step}"), token, Some(body)).await
    }

    /// Takes the step and insists it works.
    pub async fn ok_step(&self, token: &str, case: &str, step: &str, body: Value) -> Value {
        let (status, res) = self.step(token, case, step, body).await;
        assert_eq!(status, StatusCode::OK, "{step}: {res}");
        res
    }

    pub async fn sign(&self, token: &str, case: &str) -> (StatusCode, Value) {
        let res = self.client.post(self.url(&format!("/api/v1/cases/{case}/sign"))).bearer_auth(token).send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    /// The id of a unit of line `code` by exact name.
    pub async fn unit(&self, code: &str, name: &str) -> String {
        let admin = self.token("city_admin").await;
        let (_, units) = self.get(&format!("/api/v1/tenants/{code}/units?q={name}"), &admin).await;
        let found = units["items"].as_array().unwrap().iter().find(|u| u["name"] == name);
        found.unwrap_or_else(|| panic!("unit {name} in {code}: {units}"))["id"].as_str().unwrap().to_owned()
    }

    /// Creates a staff account of `code` with `roles` (in `unit` when given) and signs it in:
    /// the system administrator creates it, the security administrator grants privileged roles.
    pub async fn staff(&self, code: &str, username: &str, roles: &[&str], unit: Option<&str>) -> String {
        let admin = self.token("city_admin").await;
        let everyday = crate::helpers::everyday_roles(roles);
        let body = json!({"username": username, "display_name": username, "password": "a long test passphrase", "roles": everyday, "unit_id": unit});
        let (status, res) = self.call(Method::POST, &format!("/api/v1/tenants/{code}/users"), &admin, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
        if everyday != roles {
            self.grant(code, username, roles).await;
        }
        self.token_with(username, "a long test passphrase").await
    }

    pub async fn case(&self, token: &str, id: &str) -> Value {
        let (status, res) = self.get(&format!("/api/v1/cases/{id}"), token).await;
        assert_eq!(status, StatusCode::OK, "{res}");
        res
    }

    pub async fn actions(&self, token: &str, id: &str) -> Vec<String> {
        let (_, events) = self.get(&format!("/api/v1/cases/{id}/events?limit=200"), token).await;
        events["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
    }
}
