//! Request bodies over their endpoint's limit answer 413 `payload_too_large` (never a 500),
//! whether the size is declared or the body is streamed in chunks; large bodies are taken only
//! where the content needs them (knowledge articles, rule sets).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const KIB: usize = 1024;

async fn assert_too_large(res: reqwest::Response) {
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large", "{body}");
    assert!(body["message"].as_str().unwrap().contains("64 KiB"), "{body}");
}

/// Sends `body` chunked (no Content-Length) over a plain connection; returns the raw answer.
async fn send_chunked(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        for chunk in body.chunks(8 * KIB) {
            // The server may answer and close before the whole body is sent: that is the point.
            let sent = stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .and_then(|_| stream.write_all(chunk))
                .and_then(|_| stream.write_all(b"\r\n"));
            if sent.is_err() {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413_and_a_code() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let mut case = crate::case_kit::complaint(&"路".repeat(25 * KIB));
    // Declared size over 64 KiB: refused before the body is read, before any credential check.
    let res = app.client.post(app.url("/api/v1/cases")).bearer_auth(&agent).json(&case).send().await.unwrap();
    assert_too_large(res).await;
    let res = app.client.post(app.url("/api/v1/public/cases")).json(&case).send().await.unwrap();
    assert_too_large(res).await;
    // Just under the limit, the same endpoint reads the body (and judges it on its merits).
    case["description"] = "路".repeat(20 * KIB).into();
    let res = app.client.post(app.url("/api/v1/cases")).bearer_auth(&agent).json(&case).send().await.unwrap();
    assert_ne!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!res.status().is_server_error(), "{}", res.status());

    // Streamed without a declared size: cut off at the limit, the same answer.
    let big = serde_json::to_vec(&crate::case_kit::complaint(&"路".repeat(30 * KIB))).unwrap();
    let answer = send_chunked(&app, "/api/v1/cases", &agent, big).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains("\"code\":\"payload_too_large\""), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-content-type-options: nosniff"), "{answer}");
}

#[tokio::test]
async fn open311_and_the_console_answer_a_too_large_body_in_their_own_style() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(70 * KIB);
    for format in ["json", "xml"] {
        let form = [("api_key", "hlk_x_y"), ("service_code", "12319-water"), ("description", big.as_str())];
        let res = app.client.post(app.url(&format!("/open311/v2/requests.{format}"))).form(&form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{format}");
        let text = res.text().await.unwrap();
        if format == "xml" {
            assert!(text.contains("<errors><error><code>413</code>"), "{text}");
        } else {
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap()[0]["code"], 413, "{text}");
        }
    }
    let res = app.client.post(app.url("/console/login")).form(&[("username", "agent"), ("password", big.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn knowledge_articles_may_be_larger_than_ordinary_writes() {
    let app = TestApp::spawn().await;
    let writer = app.staff("12319", "kb_writer", &["dispatcher"], None).await;
    // 20,000 characters of Chinese, the most an article holds: about 60 KiB of UTF-8, more when
    // a client escapes it; taken here, where an ordinary write would be refused.
    let body = "水".repeat(20_000);
    let article = json!({"title": "临时供水点", "body": body, "tags": ["供水"], "category": "供水", "public": true});
    let text = serde_json::to_string(&article).unwrap().replace('水', "\\u6c34");
    assert!(text.len() > 64 * KIB);
    let res = app
        .client
        .request(Method::POST, app.url("/api/v1/tenants/12319/kb/articles"))
        .bearer_auth(&writer)
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(status, StatusCode::CREATED, "{}", res.text().await.unwrap());
}
