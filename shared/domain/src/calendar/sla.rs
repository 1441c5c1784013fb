//! Time limits per stage (DOMAIN.md, "Time limits"): the urgency table in natural time, and the
//! working-day limits by contact type (complaint 3, major complaint 5, report 10, suggestion 15
//! working days; a consultation within 4 working hours).

use chrono::{DateTime, Duration, Utc};

use super::WorkingCalendar;
use crate::case::{ContactType, Urgency};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// From receipt to dispatch.
    Dispatch,
    /// From dispatch to the lead unit's signature.
    Sign,
    /// From dispatch to the feedback.
    Feedback,
    /// From feedback to closing (return visit).
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Clock time, nights and holidays included.
    Natural(Duration),
    /// Staffed time of the tenant's calendar.
    Working(Duration),
    /// Working days of the tenant's calendar.
    WorkingDays(i64),
}

impl Limit {
    /// The deadline of a clock started at `start`. Working clocks of a contact received out of
    /// hours start at the next staffed moment.
    pub fn deadline(self, cal: &WorkingCalendar, start: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Limit::Natural(d) => start + d,
            Limit::Working(d) => cal.add_working(start, d),
            Limit::WorkingDays(n) => cal.add_working_days(start, n),
        }
    }
}

impl Limit {
    /// The reminder point: `fraction` of the limit (0.8 by default) on the same clock.
    pub fn near(self, cal: &WorkingCalendar, start: DateTime<Utc>, fraction: f64) -> DateTime<Utc> {
        let part = |d: Duration| Duration::seconds((d.num_seconds() as f64 * fraction).round() as i64);
        match self {
            Limit::Natural(d) => start + part(d),
            Limit::Working(d) => cal.add_working(start, part(d)),
            Limit::WorkingDays(n) => cal.add_working(start, part(cal.day_length() * n as i32)),
        }
    }
}

/// The share of a limit after which the unit is reminded (催办).
pub const REMINDER_FRACTION: f64 = 0.8;

/// The share of the feedback limit by which each co-unit (协办单位) of a joint case owes its
/// contribution: the lead keeps the rest to compose the one answer, and its own reminder (at
/// `REMINDER_FRACTION`) comes after the contributions were due.
pub const CONTRIBUTION_FRACTION: f64 = 0.7;

/// One line of a policy; `None` matches any urgency or contact type.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub urgency: Option<Urgency>,
    pub contact_type: Option<ContactType>,
    pub stage: Stage,
    pub limit: Limit,
}

/// A tenant's time limits. Lookup prefers the most specific entry: urgency and contact type,
/// then urgency, then contact type, then neither. Entries a tenant adds come first, so they
/// override the defaults of the same specificity.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaPolicy {
    entries: Vec<Entry>,
}

fn e(urgency: Option<Urgency>, contact_type: Option<ContactType>, stage: Stage, limit: Limit) -> Entry {
    Entry { urgency, contact_type, stage, limit }
}

impl SlaPolicy {
    pub fn defaults() -> Self {
        use ContactType as C;
        use Limit::*;
        use Stage::*;
        use Urgency as U;
        let (h, m, d) = (Duration::hours, Duration::minutes, Duration::days);
        let mut entries = vec![
            e(Some(U::Emergency), None, Dispatch, Natural(h(1))),
            e(Some(U::Emergency), None, Sign, Natural(m(15))),
            e(Some(U::Emergency), None, Feedback, Natural(h(2))),
            e(Some(U::Utilities), None, Dispatch, Natural(h(2))),
            e(Some(U::Utilities), None, Sign, Natural(m(30))),
            e(Some(U::Utilities), None, Feedback, Natural(h(24))),
            e(Some(U::General), None, Dispatch, Natural(h(24))),
            e(Some(U::General), None, Sign, Natural(h(24))),
            e(Some(U::General), None, Feedback, Natural(d(7))),
            e(Some(U::Complex), None, Dispatch, Natural(h(24))),
            e(Some(U::Complex), None, Sign, Natural(h(24))),
            e(Some(U::Complex), None, Feedback, Natural(d(15))),
            e(None, None, Close, WorkingDays(3)),
        ];
        // Working-day limits by contact type for ordinary and complex cases.
        for (u, ct, limit) in [
            (U::General, C::Consultation, Working(h(4))),
            (U::General, C::Complaint, WorkingDays(3)),
            (U::Complex, C::Complaint, WorkingDays(5)),
            (U::General, C::Report, WorkingDays(10)),
            (U::Complex, C::Report, WorkingDays(10)),
            (U::General, C::Suggestion, WorkingDays(15)),
            (U::Complex, C::Suggestion, WorkingDays(15)),
        ] {
            entries.push(e(Some(u), Some(ct), Feedback, limit));
        }
        Self { entries }
    }

    /// The defaults with a tenant's own entries in front.
    pub fn with_overrides(overrides: Vec<Entry>) -> Self {
        let mut entries = overrides;
        entries.extend(Self::defaults().entries);
        Self { entries }
    }

    pub fn limit(&self, urgency: Urgency, contact_type: ContactType, stage: Stage) -> Option<Limit> {
        let rank = |x: &Entry| match (x.urgency, x.contact_type) {
            (Some(u), Some(c)) if u == urgency && c == contact_type => Some(0),
            (Some(u), None) if u == urgency => Some(1),
            (None, Some(c)) if c == contact_type => Some(2),
            (None, None) => Some(3),
            _ => None,
        };
        // The first entry of the best rank (overrides precede defaults).
        self.entries
            .iter()
            .filter(|x| x.stage == stage)
            .filter_map(|x| rank(x).map(|r| (r, x)))
            .min_by_key(|(r, _)| *r)
            .map(|(_, x)| x.limit)
    }

    pub fn deadline(
        &self,
        cal: &WorkingCalendar,
        start: DateTime<Utc>,
        urgency: Urgency,
        contact_type: ContactType,
        stage: Stage,
    ) -> Option<DateTime<Utc>> {
        self.limit(urgency, contact_type, stage).map(|l| l.deadline(cal, start))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn sh(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn co_units_owe_their_part_before_the_lead_is_reminded() {
        let cal = WorkingCalendar::cn_2026();
        let start = sh(3, 9, 9, 0);
        let limit = Limit::WorkingDays(3);
        // 70 % of 22.5 staffed hours = 15.75 h: Monday 7 h, Tuesday 7.5 h, Wednesday 08:30–09:45.
        assert_eq!(limit.near(&cal, start, CONTRIBUTION_FRACTION), sh(3, 11, 9, 45));
        assert_eq!(limit.near(&cal, start, REMINDER_FRACTION), sh(3, 11, 12, 0));
        // A natural-time limit: 70 % of 2 hours.
        assert_eq!(Limit::Natural(Duration::hours(2)).near(&cal, start, CONTRIBUTION_FRACTION), start + Duration::minutes(84));
    }

    #[test]
    fn the_domain_table_is_the_default() {
        let p = SlaPolicy::defaults();
        use ContactType as C;
        use Urgency as U;
        assert_eq!(p.limit(U::Emergency, C::Complaint, Stage::Sign), Some(Limit::Natural(Duration::minutes(15))));
        assert_eq!(
            p.limit(U::Emergency, C::Complaint, Stage::Feedback),
            Some(Limit::Natural(Duration::hours(2))),
            "urgency beats contact type"
        );
        assert_eq!(p.limit(U::Utilities, C::Help, Stage::Feedback), Some(Limit::Natural(Duration::hours(24))));
        assert_eq!(p.limit(U::General, C::Complaint, Stage::Feedback), Some(Limit::WorkingDays(3)));
        assert_eq!(p.limit(U::Complex, C::Complaint, Stage::Feedback), Some(Limit::WorkingDays(5)), "a major complaint");
        assert_eq!(p.limit(U::General, C::Report, Stage::Feedback), Some(Limit::WorkingDays(10)));
        assert_eq!(p.limit(U::General, C::Suggestion, Stage::Feedback), Some(Limit::WorkingDays(15)));
        assert_eq!(p.limit(U::General, C::Consultation, Stage::Feedback), Some(Limit::Working(Duration::hours(4))));
        assert_eq!(p.limit(U::General, C::Help, Stage::Feedback), Some(Limit::Natural(Duration::days(7))));
        assert_eq!(p.limit(U::Complex, C::Praise, Stage::Feedback), Some(Limit::Natural(Duration::days(15))));
        assert_eq!(p.limit(U::General, C::Praise, Stage::Close), Some(Limit::WorkingDays(3)));
    }

    #[test]
    fn a_tenant_overrides_at_the_same_specificity() {
        let p = SlaPolicy::with_overrides(vec![e(
            Some(Urgency::General),
            Some(ContactType::Complaint),
            Stage::Feedback,
            Limit::WorkingDays(2),
        )]);
        assert_eq!(p.limit(Urgency::General, ContactType::Complaint, Stage::Feedback), Some(Limit::WorkingDays(2)));
        assert_eq!(p.limit(Urgency::General, ContactType::Report, Stage::Feedback), Some(Limit::WorkingDays(10)));
    }

    #[test]
    fn deadlines_follow_the_calendar() {
        let cal = WorkingCalendar::cn_2026();
        let p = SlaPolicy::defaults();
        // A complaint dispatched on the Friday before the Spring Festival is due after it.
        let due = p.deadline(&cal, sh(2, 13, 17, 0), Urgency::General, ContactType::Complaint, Stage::Feedback).unwrap();
        assert_eq!(due, sh(2, 25, 17, 0));
        // Its reminder comes after 80 % of the 22.5 staffed hours (18 h): 0.5 h Friday, 7.5 h on
        // the make-up Saturday, 7.5 h on Tuesday 24, 2.5 h on Wednesday 25 → 11:00.
        let near = Limit::WorkingDays(3).near(&cal, sh(2, 13, 17, 0), REMINDER_FRACTION);
        assert_eq!(near, sh(2, 25, 11, 0));
        assert_eq!(Limit::Natural(Duration::hours(10)).near(&cal, sh(3, 1, 0, 0), REMINDER_FRACTION), sh(3, 1, 8, 0));
        // An emergency runs in clock time through the holiday.
        let due = p.deadline(&cal, sh(2, 16, 3, 0), Urgency::Emergency, ContactType::Help, Stage::Feedback).unwrap();
        assert_eq!(due, sh(2, 16, 5, 0));
        // A consultation received on Saturday night is due by Monday 12:30 (4 staffed hours).
        let due = p.deadline(&cal, sh(3, 7, 23, 0), Urgency::General, ContactType::Consultation, Stage::Feedback).unwrap();
        assert_eq!(due, sh(3, 9, 14, 0));
    }
}

/// Parses a tenant's overrides: `[{"urgency"?, "contact_type"?, "stage", "limit": {"natural_minutes" | "working_minutes" | "working_days": n}}]`,
/// naming the path of the first fault.
pub fn parse_overrides(v: &serde_json::Value) -> Result<Vec<Entry>, crate::ValidationError> {
    use crate::ValidationError as E;
    let list = v.as_array().ok_or_else(|| E::new("entries", "invalid_policy", "entries is a list"))?;
    if list.len() > 200 {
        return Err(E::new("entries", "too_many", "at most 200 entries"));
    }
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let path = format!("entries[{i}]");
        let obj = item.as_object().ok_or_else(|| E::new(&path, "invalid_policy", "an entry is an object"))?;
        for k in obj.keys() {
            if !["urgency", "contact_type", "stage", "limit"].contains(&k.as_str()) {
                return Err(E::new(format!("{path}.{k}"), "invalid_policy", format!("an entry has no field '{k}'")));
            }
        }
        let text = |k: &str| obj.get(k).and_then(|x| x.as_str());
        let urgency = text("urgency").map(|u| Urgency::parse(u).map_err(|e| e.at(format!("{path}.urgency")))).transpose()?;
        let contact_type =
            text("contact_type").map(|c| ContactType::parse(c).map_err(|e| e.at(format!("{path}.contact_type")))).transpose()?;
        let stage = match text("stage") {
            Some("dispatch") => Stage::Dispatch,
            Some("sign") => Stage::Sign,
            Some("feedback") => Stage::Feedback,
            Some("close") => Stage::Close,
            _ => return Err(E::new(format!("{path}.stage"), "invalid_policy", "stage is dispatch, sign, feedback or close")),
        };
        let limit = obj.get("limit").and_then(|l| l.as_object()).filter(|l| l.len() == 1);
        let bad_limit = || {
            E::new(
                format!("{path}.limit"),
                "invalid_policy",
                "limit is one of natural_minutes, working_minutes, working_days with a positive whole number",
            )
        };
        let (unit, n) = limit.and_then(|l| l.iter().next()).ok_or_else(bad_limit)?;
        let n = n.as_i64().filter(|n| (1..=366 * 24 * 60).contains(n)).ok_or_else(bad_limit)?;
        let limit = match unit.as_str() {
            "natural_minutes" => Limit::Natural(Duration::minutes(n)),
            "working_minutes" => Limit::Working(Duration::minutes(n)),
            "working_days" if n <= 366 => Limit::WorkingDays(n),
            _ => return Err(bad_limit()),
        };
        out.push(Entry { urgency, contact_type, stage, limit });
    }
    Ok(out)
}

#[cfg(test)]
mod override_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn overrides_parse_and_faults_name_their_path() {
        let v = json!([{"urgency": "general", "contact_type": "complaint", "stage": "feedback", "limit": {"working_days": 2}},
                       {"stage": "sign", "limit": {"natural_minutes": 120}}]);
        let e = parse_overrides(&v).unwrap();
        assert_eq!(e[0].limit, Limit::WorkingDays(2));
        assert_eq!(e[1].urgency, None);
        for (bad, path) in [
            (json!([{"stage": "later", "limit": {"working_days": 1}}]), "entries[0].stage"),
            (json!([{"stage": "sign", "limit": {"weeks": 1}}]), "entries[0].limit"),
            (json!([{"stage": "sign", "limit": {"working_days": 0}}]), "entries[0].limit"),
            (json!([{"stage": "sign", "urgency": "asap", "limit": {"working_days": 1}}]), "entries[0].urgency"),
            (json!([{"stage": "sign", "colour": 1, "limit": {"working_days": 1}}]), "entries[0].colour"),
            (json!({}), "entries"),
        ] {
            assert_eq!(parse_overrides(&bad).unwrap_err().field, path, "{bad}");
        }
    }
}
