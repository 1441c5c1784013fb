//! CSV answers (`Accept: text/csv`): UTF-8 with a byte-order mark so Excel opens Chinese text
//! correctly, RFC 4180 quoting, and cells that a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, tab or carriage return) prefixed with `'`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// Whether the client asked for CSV.
pub fn wanted(req: &HttpRequest) -> bool {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv")))
}

fn cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) && v.parse::<f64>().is_err() { format!("'{v}") } else { v.to_owned() };
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

/// The document: BOM, header line, rows; lines end with CRLF (RFC 4180).
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn response(name: &str, header: &[&str], rows: &[Vec<String>]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")))
        .body(render(header, rows))
}

/// A figure's value as a cell: empty when undefined.
pub fn number(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let doc = render(&["名称", "value"], &[vec!["满意率, 总".into(), "0.5".into()], vec!["=HYPERLINK(\"x\")".into(), "-3".into()]]);
        assert!(doc.starts_with('\u{feff}'));
        let lines: Vec<&str> = doc.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "名称,value");
        assert_eq!(lines[1], "\"满意率, 总\",0.5");
        assert_eq!(lines[2], "\"'=HYPERLINK(\"\"x\"\")\",-3", "a formula is defused, a negative number is not");
        assert_eq!(number(None), "");
    }
}
