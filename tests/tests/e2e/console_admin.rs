//! The line admin pages (热线管理) in the console: rules (edit with errors beside the editor,
//! simulate, replay, diff, publish, roll back), units, users, calendar and time limits,
//! knowledge base and API keys; other lines read as not found, other roles are refused.

mod access;
mod rules;
mod tabs;

/// The value of `attr="…"` on the first element carrying `marker`.
pub fn attr_after<'a>(body: &'a str, marker: &str, attr: &str) -> &'a str {
    let at = body.find(marker).unwrap_or_else(|| panic!("{marker} in {body}"));
    let from = body[at..].find(&format!("{attr}=\"")).unwrap_or_else(|| panic!("{attr} after {marker}")) + at + attr.len() + 2;
    body[from..].split('"').next().unwrap()
}

/// The last path segment of where an htmx answer sends the browser.
pub fn redirected_id(res: &crate::console_kit::Answer) -> String {
    res.redirect().unwrap_or_else(|| panic!("a redirect: {} {}", res.status, res.body)).rsplit('/').next().unwrap().to_owned()
}
