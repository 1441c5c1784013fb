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
    fn every_kind_renders_both_languages_and_the_case() {
        let v = Vars {
            tracking_number: "12345-20261122-000001".into(),
            title: "垃圾清运".into(),
            due: Some("2026-11-25 17:30".into()),
            detail: None,
        };
        for kind in [Kind::NewCase, Kind::Reminder, Kind::Supervision, Kind::Returned, Kind::ExtensionDecision, Kind::Reopened] {
            let (subject, body) = render(kind, &v);
            assert!(subject.starts_with("[12345-20261122-000001]"), "{subject}");
            assert!(subject.contains(" / "));
            assert!(body.contains("垃圾清运") && body.contains("2026-11-25 17:30"));
        }
    }
}
