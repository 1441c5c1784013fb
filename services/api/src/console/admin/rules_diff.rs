//! Two rule-set versions side by side as a line diff of their pretty-printed JSON (longest
//! common subsequence), unit ids named beside their lines.

use std::collections::HashMap;

use actix_web::web;
use hotline_core::routing::RuleSetView;
use hotline_store::PageRequest;
use maud::{Markup, html};
use serde::Deserialize;

use super::json_edit::unit_on_line;
use super::{base, frame, open, unit_names};
use crate::console::error::{ConsoleError, PageResult};
use crate::console::i18n::Lang;
use crate::console::session::Staff;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Add(&'a str),
}

/// Beyond this many cells the table would be too big for a request: the middle is shown as
/// removed and added wholesale (rule sets are far smaller).
const MAX_CELLS: usize = 16_000_000;

/// The edit script from `old` to `new`: lines kept, removed and added, in order. The common
/// head and tail are kept as they are; the middle is a longest common subsequence.
pub fn diff_lines<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<Op<'a>> {
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (a, b) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);
    let mut ops: Vec<Op<'a>> = old[..head].iter().map(|l| Op::Same(l)).collect();
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        ops.extend(a.iter().map(|l| Op::Del(l)));
        ops.extend(b.iter().map(|l| Op::Add(l)));
    } else {
        // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
        let w = b.len() + 1;
        let mut lcs = vec![0u32; (a.len() + 1) * w];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i * w + j] = if a[i] == b[j] { lcs[(i + 1) * w + j + 1] + 1 } else { lcs[(i + 1) * w + j].max(lcs[i * w + j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i] == b[j] {
                ops.push(Op::Same(a[i]));
                i += 1;
                j += 1;
            } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
                ops.push(Op::Del(a[i]));
                i += 1;
            } else {
                ops.push(Op::Add(b[j]));
                j += 1;
            }
        }
        ops.extend(a[i..].iter().map(|l| Op::Del(l)));
        ops.extend(b[j..].iter().map(|l| Op::Add(l)));
    }
    ops.extend(old[old.len() - tail..].iter().map(|l| Op::Same(l)));
    ops
}

/// Lines kept around a change; longer unchanged runs fold into one line.
const CONTEXT: usize = 3;

/// The script as `pre.diff`: `.add` and `.del` lines, unchanged runs folded.
pub fn render(lang: Lang, ops: &[Op<'_>], names: &HashMap<String, String>) -> Markup {
    let changed: Vec<bool> = ops.iter().map(|o| !matches!(o, Op::Same(_))).collect();
    let near = |k: usize| changed[k.saturating_sub(CONTEXT)..(k + CONTEXT + 1).min(ops.len())].iter().any(|c| *c);
    let note = |l: &str| unit_on_line(l, names).map(|n| format!("  ← {n}"));
    let mut folded = 0usize;
    let mut out = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        if matches!(op, Op::Same(_)) && !near(k) {
            folded += 1;
            continue;
        }
        if folded > 0 {
            out.push(html! { span.skip { (lang.t("admin.diff.folded").replace("{n}", &folded.to_string())) "\n" } });
            folded = 0;
        }
        out.push(match op {
            Op::Same(l) => html! { "  " (l) @if let Some(n) = note(l) { span.unit-name { (n) } } "\n" },
            Op::Del(l) => html! { span.del { "- " (l) @if let Some(n) = note(l) { span.unit-name { (n) } } "\n" } },
            Op::Add(l) => html! { span.add { "+ " (l) @if let Some(n) = note(l) { span.unit-name { (n) } } "\n" } },
        });
    }
    if folded > 0 {
        out.push(html! { span.skip { (lang.t("admin.diff.folded").replace("{n}", &folded.to_string())) "\n" } });
    }
    let (added, removed) = (ops.iter().filter(|o| matches!(o, Op::Add(_))).count(), ops.iter().filter(|o| matches!(o, Op::Del(_))).count());
    html! {
        p.muted #diff-summary data-added=(added) data-removed=(removed) {
            (lang.t("admin.diff.summary").replace("{added}", &added.to_string()).replace("{removed}", &removed.to_string()))
        }
        pre.diff #rules-diff { @for line in out { (line) } }
    }
}

#[derive(Deserialize)]
pub struct Pick {
    a: Option<String>,
    b: Option<String>,
}

/// `GET /console/admin/{code}/rules/diff?a=…&b=…`
pub async fn show(s: Staff, code: web::Path<String>, q: web::Query<Pick>) -> PageResult {
    let Staff { ctx, p } = s;
    let lang = ctx.lang;
    let t = open(&ctx, &p, &code).await?;
    let sets = ctx
        .state
        .core
        .list_rule_sets(&p, &t.code, PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map_err(|e| ConsoleError::api(lang, false, e))?
        .items;
    let published = sets.iter().find(|s| s.status == "published");
    // By default the newest version against the published one (or the one before it).
    let newest = sets.first();
    let base_version = published.filter(|p| newest.is_some_and(|n| n.id != p.id)).or(sets.get(1)).or(newest);
    let (a, b) = (pick(&sets, q.a.as_deref(), base_version), pick(&sets, q.b.as_deref(), newest));
    let names = unit_names(&ctx, &p, &[&t.code]).await;
    let choose = |name: &str, chosen: Option<&RuleSetView>| {
        html! {
            label.field { span { (lang.t(if name == "a" { "admin.diff.from" } else { "admin.diff.to" })) }
                select name=(name) {
                    @for s in &sets {
                        option value=(s.id) selected[chosen.is_some_and(|c| c.id == s.id)] { "v" (s.version) " · " (lang.term("ruleset", &s.status)) }
                    }
                }
            }
        }
    };
    let body = html! {
        form.card.row #diff-form method="get" action=(format!("{}/rules/diff", base(&t.code))) {
            (choose("a", a)) (choose("b", b))
            button.primary type="submit" { (lang.t("admin.diff.show")) }
        }
        @match (a, b) {
            (Some(a), Some(b)) => {
                h2 #diff-title data-from=(a.version) data-to=(b.version) { "v" (a.version) " → v" (b.version) }
                @let (old, new) = (pretty(&a.rules), pretty(&b.rules));
                @let (old, new) = (old.lines().collect::<Vec<_>>(), new.lines().collect::<Vec<_>>());
                (render(lang, &diff_lines(&old, &new), &names))
            }
            _ => { p.muted { (lang.t("admin.diff.nothing")) } }
        }
        p { a href=(format!("{}/rules", base(&t.code))) { (lang.t("admin.rules.back")) } }
    };
    Ok(ctx.ok(frame(&ctx, &p, &t, "rules", body)))
}

/// The version asked for by id, else the default.
fn pick<'a>(sets: &'a [RuleSetView], want: Option<&str>, default: Option<&'a RuleSetView>) -> Option<&'a RuleSetView> {
    match want.filter(|w| !w.is_empty()) {
        Some(w) => sets.iter().find(|s| s.id.to_string() == w),
        None => default,
    }
}

pub fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/admin/{code}/rules/diff", web::get().to(show));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(old: &str, new: &str) -> String {
        let (o, n): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
        diff_lines(&o, &n)
            .iter()
            .map(|op| match op {
                Op::Same(l) => format!(" {l}"),
                Op::Del(l) => format!("-{l}"),
                Op::Add(l) => format!("+{l}"),
            })
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn equal_texts_have_no_change() {
        assert_eq!(script("a\nb", "a\nb"), " a| b");
        assert_eq!(script("", ""), "");
    }

    #[test]
    fn a_changed_line_is_removed_then_added_between_kept_lines() {
        assert_eq!(script("a\nb\nc", "a\nx\nc"), " a|-b|+x| c");
    }

    #[test]
    fn insertions_and_deletions_keep_the_longest_common_part() {
        // LCS of ABCBDAB and BDCABA has length 4; every kept line is in both texts, in order.
        let ops = script("A\nB\nC\nB\nD\nA\nB", "B\nD\nC\nA\nB\nA");
        assert_eq!(ops.matches(' ').count(), 4, "{ops}");
        let kept_old: String = ops.split('|').filter(|o| !o.starts_with('+')).map(|o| &o[1..]).collect();
        let kept_new: String = ops.split('|').filter(|o| !o.starts_with('-')).map(|o| &o[1..]).collect();
        assert_eq!((kept_old.as_str(), kept_new.as_str()), ("ABCBDAB", "BDCABA"));
        assert_eq!(script("a", ""), "-a");
        assert_eq!(script("", "a\nb"), "+a|+b");
    }

    #[test]
    fn long_unchanged_runs_fold_and_units_are_named() {
        let old: Vec<String> = (0..20).map(|i| format!("line {i}")).collect();
        let mut new = old.clone();
        new[10] = "\"unit\": \"u1\"".into();
        let (o, n): (Vec<&str>, Vec<&str>) = (old.iter().map(String::as_str).collect(), new.iter().map(String::as_str).collect());
        let names = HashMap::from([("u1".to_owned(), "园林绿化处".to_owned())]);
        let html = render(Lang::En, &diff_lines(&o, &n), &names).into_string();
        assert!(html.contains("<span class=\"del\">- line 10") && html.contains("<span class=\"add\">+ &quot;unit&quot;"), "{html}");
        assert!(html.contains("← 园林绿化处") && !html.contains("line 2\n") && html.contains("line 7"), "{html}");
        assert!(html.contains("data-added=\"1\" data-removed=\"1\""), "{html}");
    }
}
