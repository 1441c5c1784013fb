//! Message templates, Chinese first with the English after it in the same message (staff read
//! Chinese; integrators and foreign staff the English).

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A new case for a unit (派单).
    NewCase,
    /// The feedback deadline is near (催办).
    Reminder,
    /// A deadline has passed (督办).
    Supervision,
    /// A unit returned a case (退单).
    Returned,
    /// An extension was decided (延期审批).
    ExtensionDecision,
    /// A case came back after dissatisfaction (二次派单).
    Reopened,
    /// Many citizens report one issue in one place (热点预警).
    HotSpot,
    /// A rule of the line asks for attention to a new case (规则提醒).
    RuleNotice,
}

/// One line of the daily digest.
#[derive(Debug, Clone, Default)]
pub struct DigestLine {
    pub line: String,
    pub received: u64,
    pub overdue: u64,
    pub problem: u64,
    pub rated: u64,
    pub satisfied: u64,
}

/// The daily digest to the city office (市热线办): yesterday's volume per line, overdue and
/// problem cases now, satisfaction (satisfied share of rated, with the count beside it).
pub fn render_digest(day: &str, lines: &[DigestLine]) -> (String, String) {
    let subject = format!("[12345] {day} 日报 / Daily digest");
    let mut body =
        format!("{day} 热线日报 / Daily digest\n\n热线 line | 受理 received | 超期 overdue | 问题件 problem | 满意率 satisfaction\n");
    for l in lines {
        let rate = if l.rated == 0 {
            "—".to_owned()
        } else {
            format!("{:.1}% ({}/{})", l.satisfied as f64 * 100.0 / l.rated as f64, l.satisfied, l.rated)
        };
        body.push_str(&format!("{} | {} | {} | {} | {}\n", l.line, l.received, l.overdue, l.problem, rate));
    }
    (subject, body)
}

/// The facts a message shows. Never personal data of the caller.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub tracking_number: String,
    pub title: String,
    pub due: Option<String>,
    pub detail: Option<String>,
}

/// Subject and body for `kind`.
pub fn render(kind: Kind, v: &Vars) -> (String, String) {
    let (zh, en) = match kind {
        Kind::NewCase => ("新工单待签收", "New case to sign for"),
        Kind::Reminder => ("工单即将到期（催办）", "Case due soon (reminder)"),
        Kind::Supervision => ("工单已超期（督办）", "Case overdue (supervision)"),
        Kind::Returned => ("工单被退回，请审核", "Case returned, please review"),
        Kind::ExtensionDecision => ("延期申请已处理", "Extension request decided"),
        Kind::Reopened => ("群众不满意，工单重新派发", "Citizen dissatisfied, case sent back"),
        Kind::HotSpot => ("热点预警：多位群众反映同一问题", "Hot spot: many citizens report one issue"),
        Kind::RuleNotice => ("规则提醒：请关注新工单", "Rule notice: a new case needs your attention"),
    };
    let subject = format!("[{}] {zh} / {en}", v.tracking_number);
    let mut body = format!("工单编号 / Case: {}\n标题 / Title: {}\n", v.tracking_number, v.title);
    if let Some(due) = &v.due {
        body.push_str(&format!("办理时限 / Due: {due}\n"));
    }
    if let Some(detail) = &v.detail {
        body.push_str(&format!("说明 / Note: {detail}\n"));
    }
    body.push_str(&format!("\n{zh}。\n{en}.\n"));
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_shows_rates_with_their_counts() {
        let lines = vec![
            DigestLine { line: "12319".into(), received: 10, overdue: 2, problem: 1, rated: 4, satisfied: 3 },
            DigestLine { line: "12315".into(), received: 0, ..Default::default() },
        ];
        let (subject, body) = render_digest("2026-03-09", &lines);
        assert!(subject.contains("2026-03-09"));
        assert!(body.contains("12319 | 10 | 2 | 1 | 75.0% (3/4)"), "{body}");
        assert!(body.contains("12315 | 0 | 0 | 0 | —"), "{body}");
    }

    #[test]
    fn every_kind_renders_both_languages_and_the_case() {
        let v = Vars {
            tracking_number: "12345-20261122-000001".into(),
            title: "垃圾清运".into(),
            due: Some("2026-11-25 17:30".into()),
            detail: None,
        };
        for kind in [
            Kind::NewCase,
            Kind::Reminder,
            Kind::Supervision,
            Kind::Returned,
            Kind::ExtensionDecision,
            Kind::Reopened,
            Kind::HotSpot,
            Kind::RuleNotice,
        ] {
            let (subject, body) = render(kind, &v);
            assert!(subject.starts_with("[12345-20261122-000001]"), "{subject}");
            assert!(subject.contains(" / "));
            assert!(body.contains("垃圾清运") && body.contains("2026-11-25 17:30"));
        }
    }
}
