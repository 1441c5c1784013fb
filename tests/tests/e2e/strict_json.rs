//! Strict JSON: every JSON write and every query the OpenAPI document describes refuses a
//! field it does not take with 400 and a code naming it, never ignores it, never a 500. The
//! operations and their bodies come from the served document, so a new endpoint is covered
//! the day it is documented.

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::helpers::TestApp;

/// A name no operation takes (checked against each schema below).
const UNKNOWN: &str = "hotline_unknown_field";

async fn served_spec(app: &TestApp) -> Value {
    let res = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Follows `$ref`s into the document's components.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(spec, spec.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("{r} resolves"))),
        None => schema,
    }
}

/// A value of the schema's shape: the example or first enum value where there is one, every
/// property of an object, one item of an array, a non-null alternative of a union.
fn sample(spec: &Value, schema: &Value) -> Value {
    let schema = resolve(spec, schema);
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.iter().find(|v| !v.is_null())) {
        return first.clone();
    }
    for union in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = schema[union].as_array() {
            let alt = alts.iter().find(|a| resolve(spec, a)["type"] != "null").expect("a non-null alternative");
            return sample(spec, alt);
        }
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ => "object",
    };
    match ty {
        "object" => {
            let mut obj = Map::new();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                obj.insert(name.clone(), sample(spec, prop));
            }
            Value::Object(obj)
        }
        "array" => json!([sample(spec, &schema["items"])]),
        "integer" => schema["minimum"].as_i64().map_or(json!(1), |m| json!(m.max(1))),
        "number" => json!(1.5),
        "boolean" => json!(true),
        "string" => json!(match schema["format"].as_str() {
            Some("date-time") => "2026-03-02T08:00:00Z",
            Some("date") => "2026-03-02",
            Some("uuid") => "00000000-0000-4000-8000-000000000001",
            _ => "12319",
        }),
        _ => Value::Null,
    }
}

/// The path with its `{parameters}` filled: the demo line's code, a made-up id, a number.
fn fill_path(spec: &Value, path: &str, op: &Value) -> String {
    let mut filled = path.to_owned();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "path" {
            let name = p["name"].as_str().unwrap();
            let value = match sample(spec, &p["schema"]) {
                Value::String(s) if name == "action" => {
                    if s == "12319" {
                        "submit".to_owned()
                    } else {
                        s
                    }
                }
                Value::String(s) => s,
                other => other.to_string(),
            };
            filled = filled.replace(&format!("{{{name}}}"), &value);
        }
    }
    filled
}

/// `body` as JSON text with the unknown field last, so everything before it is read first.
fn with_unknown_field_last(body: &Value) -> String {
    let text = body.to_string();
    let inner = &text[1..text.len() - 1];
    if inner.is_empty() { format!("{{\"{UNKNOWN}\":true}}") } else { format!("{{{inner},\"{UNKNOWN}\":true}}") }
}

async fn send(app: &TestApp, method: &str, url: &str, token: &str, body: String) -> (StatusCode, Value) {
    let res = app
        .client
        .request(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), app.url(url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn every_json_write_refuses_an_unknown_field_and_names_it() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    // Any signed-in caller gets past authentication, and the body is read before the use case
    // authorises: a handler, whose rights are few, so the sample bodies change little.
    let token = app.token("handler_12319").await;
    let mut covered = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if path.starts_with("/open311/") {
            continue; // form-encoded, with the Open311 specification's own errors
        }
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") else { continue };
            let body = sample(&spec, schema);
            assert!(body.is_object(), "{method} {path}: a JSON body is an object");
            assert!(body.get(UNKNOWN).is_none(), "{method} {path} takes {UNKNOWN}");
            let url = fill_path(&spec, path, op);

            // The shape is right: without the extra field the body is read (the answer may be
            // 404 for the made-up ids, 403, 409 or 422 for its values, but not a refused body).
            let (status, resp) = send(&app, method, &url, &token, body.to_string()).await;
            let refused = status.is_server_error() || (status == StatusCode::BAD_REQUEST && resp["code"] == "invalid_body");
            assert!(!refused, "{method} {path}: the sample body {body} should fit: {status} {resp}");

            let (status, resp) = send(&app, method, &url, &token, with_unknown_field_last(&body)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path} refuses the unknown field: {resp}");
            assert_eq!(resp["code"], "unknown_field", "{method} {path}: {resp}");
            assert_eq!(resp["field"], UNKNOWN, "{method} {path}: {resp}");
            assert!(resp["message"].as_str().is_some_and(|m| m.contains(UNKNOWN)), "{method} {path}: {resp}");
            let documented = op["responses"]["400"].pointer("/content/application~1json/schema/$ref");
            assert_eq!(documented, Some(&json!("#/components/schemas/ErrorBody")), "{method} {path} documents its 400");
            covered.push(format!("{method} {path}"));
        }
    }
    // Not vacuous: the document has dozens of JSON writes.
    assert!(covered.len() >= 45, "{} JSON writes covered: {covered:?}", covered.len());
}

#[tokio::test]
async fn every_query_refuses_an_unknown_parameter_and_names_it() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    let token = app.token("handler_12319").await;
    let mut covered = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if path.starts_with("/open311/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().into_iter().flatten();
            if !params.clone().any(|p| p["in"] == "query") {
                continue;
            }
            assert!(params.clone().all(|p| p["name"] != UNKNOWN), "{method} {path} takes {UNKNOWN}");
            let url = format!("{}?{UNKNOWN}=1", fill_path(&spec, path, op));
            let body = op.pointer("/requestBody/content/application~1json/schema").map(|s| sample(&spec, s).to_string());
            let (status, resp) = send(&app, method, &url, &token, body.unwrap_or_default()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path} refuses the unknown parameter: {resp}");
            assert_eq!((resp["code"].as_str(), resp["field"].as_str()), (Some("unknown_parameter"), Some(UNKNOWN)), "{method} {path}");
            assert!(op["responses"].get("400").is_some(), "{method} {path} documents its 400");
            covered += 1;
        }
    }
    assert!(covered >= 15, "{covered} operations with query parameters covered");
}

#[tokio::test]
async fn an_optional_body_is_optional_but_still_strict() {
    let app = TestApp::spawn().await;
    let token = app.token("admin_12319").await;
    let url = "/api/v1/kb/articles/00000000-0000-4000-8000-000000000001/versions/1/submit";
    // No body at all: read as none (the made-up article is then not found).
    let res = app.client.post(app.url(url)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // A misspelt reason is refused, not ignored as if no body had come.
    let (status, resp) = send(&app, "post", url, &token, json!({"reasn": "typo"}).to_string()).await;
    assert_eq!((status, resp["code"].as_str(), resp["field"].as_str()), (StatusCode::BAD_REQUEST, Some("unknown_field"), Some("reasn")));
}
