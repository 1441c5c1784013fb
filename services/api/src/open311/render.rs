//! Open311 answers in the format the URL names (`.json` or `.xml`), errors as the spec's
//! error list in that format. One serde value feeds both, so the two never disagree.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use hotline_core::CoreError;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// The suffix of the path; anything else is answered in JSON with a 400.
    pub fn parse(s: &str) -> Result<Format, Open311Error> {
        match s {
            "json" => Ok(Format::Json),
            "xml" => Ok(Format::Xml),
            other => Err(Open311Error::new(Format::Json, 400, format!("format '{other}' is not served: use .json or .xml"))),
        }
    }
}

/// An error as GeoReport v2 answers it: `[{"code": 404, "description": "…"}]`, or
/// `<errors><error><code>404</code><description>…</description></error></errors>`.
#[derive(Debug)]
pub struct Open311Error {
    pub format: Format,
    pub status: u16,
    pub description: String,
    /// Seconds to wait (a spent request budget): sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl Open311Error {
    pub fn new(format: Format, status: u16, description: impl Into<String>) -> Self {
        Open311Error { format, status, description: description.into(), retry_after: None }
    }

    /// The spec knows 400, 403 and 404; throttling keeps its 429 and faults their 500.
    pub fn from_core(format: Format, e: CoreError) -> Self {
        let (status, text) = match e {
            CoreError::NotFound(what) => (404, format!("{what} not found")),
            CoreError::Forbidden { message, .. } | CoreError::Unauthorized { message, .. } => (403, message),
            // Our Idempotency-Key is not the spec's: its reuse is a conflict, as on /api/v1.
            CoreError::Validation(v) if v.code == "idempotency_key_reused" => (409, format!("{}: {}", v.field, v.message)),
            CoreError::Validation(v) => (400, format!("{}: {}", v.field, v.message)),
            CoreError::Conflict { message, .. } => (400, message),
            CoreError::Throttled { retry_after_secs } | CoreError::RateLimited { retry_after_secs } => {
                let mut e = Open311Error::new(format, 429, format!("too many requests; retry in {retry_after_secs} s"));
                e.retry_after = Some(retry_after_secs);
                return e;
            }
            other => {
                tracing::error!(error = %other, "open311 request failed");
                (500, "internal error".to_owned())
            }
        };
        Open311Error::new(format, status, text)
    }

    pub fn response(&self) -> HttpResponse {
        let body = serde_json::json!([{ "code": self.status, "description": self.description }]);
        let mut res =
            respond(self.format, StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST), &body, ("errors", "error"));
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        res
    }
}

impl std::fmt::Display for Open311Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.description)
    }
}

impl actix_web::ResponseError for Open311Error {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}

/// A 200 answer: `names` are the XML root and, when the value is a list, its items' element.
pub fn ok<T: Serialize>(format: Format, value: &T, names: (&str, &str)) -> Result<HttpResponse, Open311Error> {
    let v = serde_json::to_value(value).map_err(|e| Open311Error::from_core(format, CoreError::Internal(e.to_string())))?;
    Ok(respond(format, StatusCode::OK, &v, names))
}

fn respond(format: Format, status: StatusCode, v: &Value, (root, item): (&str, &str)) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    match format {
        Format::Json => res.content_type("application/json; charset=utf-8").body(v.to_string()),
        Format::Xml => res.content_type("text/xml; charset=utf-8").body(to_xml(root, item, v)),
    }
}

/// The element of one item of a list named `list` (the spec's plural → singular pairs).
fn item_name(list: &str) -> &str {
    match list {
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "notes" => "note",
        "service_requests" => "request",
        "service_request_updates" => "request_update",
        "services" => "service",
        "errors" => "error",
        _ => "item",
    }
}

/// Writes a JSON value as the spec's XML: objects as child elements, lists as repeated items
/// inside their plural element, null as an empty element.
pub fn to_xml(root: &str, item: &str, v: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match v {
        Value::Array(items) => {
            open(&mut out, root);
            for x in items {
                element(&mut out, item, x);
            }
            close(&mut out, root);
        }
        other => element(&mut out, root, other),
    }
    out
}

fn element(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Object(map) => {
            open(out, name);
            for (k, x) in map {
                element(out, k, x);
            }
            close(out, name);
        }
        Value::Array(items) => {
            open(out, name);
            for x in items {
                element(out, item_name(name), x);
            }
            close(out, name);
        }
        Value::String(s) => {
            open(out, name);
            escape(out, s);
            close(out, name);
        }
        Value::Bool(b) => {
            open(out, name);
            out.push_str(if *b { "true" } else { "false" });
            close(out, name);
        }
        Value::Number(n) => {
            open(out, name);
            out.push_str(&n.to_string());
            close(out, name);
        }
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Text content: markup characters escaped, and characters XML 1.0 forbids dropped (a
/// citizen's text may hold any control character the JSON form carried).
fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_objects_and_nulls_follow_the_spec_shape() {
        let v = json!([{"service_code": "12319-water", "metadata": true, "description": null, "keywords": "停水,水压"}]);
        assert_eq!(
            to_xml("services", "service", &v),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<services><service><description/><keywords>停水,水压</keywords>\
             <metadata>true</metadata><service_code>12319-water</service_code></service></services>"
        );
        let def = json!({"service_code": "x", "attributes": [{"code": "contact_type", "values": [{"key": "complaint", "name": "投诉"}]}]});
        assert!(to_xml("service_definition", "", &def).ends_with(
            "<service_definition><attributes><attribute><code>contact_type</code>\
             <values><value><key>complaint</key><name>投诉</name></value></values></attribute></attributes>\
             <service_code>x</service_code></service_definition>"
        ));
    }

    #[test]
    fn text_is_escaped_and_forbidden_characters_dropped() {
        let v = json!({"description": "a<b & \"c\" 'd'\u{1}\n"});
        assert!(to_xml("x", "", &v).ends_with("<x><description>a&lt;b &amp; &quot;c&quot; &apos;d&apos;\n</description></x>"));
    }

    #[test]
    fn errors_keep_the_spec_codes() {
        let e = Open311Error::from_core(Format::Xml, CoreError::NotFound("service"));
        assert_eq!((e.status, e.description.as_str()), (404, "service not found"));
        let e = Open311Error::from_core(Format::Json, CoreError::forbidden("no"));
        assert_eq!(e.status, 403);
        assert_eq!(Format::parse("yaml").unwrap_err().status, 400);
    }
}
