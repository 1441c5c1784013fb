//! The knowledge base (知识库, issue 8) as rules: what an article may hold, how a version moves
//! from draft to published (with an approver who is not its author: what the public and the
//! agents read is checked by a second person), when an article may be served, and which flags
//! its owner must see (expired, review due). Search is `crate::kb_search`.

use chrono::{DateTime, Utc};

use crate::error::{ValidationError, word_enum};

word_enum!(
    /// Where an article stands as a whole.
    ArticleStatus, "article status" {
        /// Never published yet.
        Draft = "draft",
        /// A version is live.
        Published = "published",
        /// Withdrawn: served nowhere, kept for history.
        Archived = "archived",
    }
);

word_enum!(
    /// Where one version of an article stands.
    VersionState, "version state" {
        /// Being written.
        Draft = "draft",
        /// Waiting for an approver.
        Submitted = "submitted",
        /// Approved and live.
        Published = "published",
        /// Sent back by the approver, with a reason.
        Rejected = "rejected",
        /// Was live; a newer version replaced it.
        Superseded = "superseded",
    }
);

word_enum!(
    /// What a version step does.
    VersionAction, "action" {
        Submit = "submit",
        Approve = "approve",
        Reject = "reject",
    }
);

word_enum!(
    /// What the owner of an article must look at.
    Flag, "flag" {
        /// Past its valid-until date: no longer served.
        Expired = "expired",
        /// Its review date has come (定期复核).
        ReviewDue = "review_due",
        /// Not valid yet (valid-from in the future): not served until then.
        NotYetValid = "not_yet_valid",
    }
);

/// An article's content as an author writes it, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleContent {
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub public: bool,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub review_at: Option<DateTime<Utc>>,
}

pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 20_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG: usize = 32;

fn text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValidationError::new(field, "required", format!("{field} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(ValidationError::new(field, "too_long", format!("{field} has at most {max} characters")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(ValidationError::new(field, "invalid_characters", format!("{field} contains control characters")));
    }
    Ok(v.to_owned())
}

impl ArticleContent {
    /// Checks and normalises what an author sent: trimmed texts, tags without duplicates (in
    /// the given order), dates in order.
    #[allow(clippy::too_many_arguments)]
    pub fn check(
        title: &str,
        body: &str,
        tags: &[String],
        category: Option<&str>,
        public: bool,
        valid_from: Option<DateTime<Utc>>,
        valid_until: Option<DateTime<Utc>>,
        review_at: Option<DateTime<Utc>>,
    ) -> Result<Self, ValidationError> {
        let title = text("title", title, MAX_TITLE)?;
        if title.contains('\n') {
            return Err(ValidationError::new("title", "invalid_characters", "a title is one line"));
        }
        let body = text("body", body, MAX_BODY)?;
        if tags.len() > MAX_TAGS {
            return Err(ValidationError::new("tags", "too_many", format!("at most {MAX_TAGS} tags")));
        }
        let mut clean: Vec<String> = Vec::new();
        for (i, t) in tags.iter().enumerate() {
            let t = text(&format!("tags[{i}]"), t, MAX_TAG)?;
            if t.contains(',') || t.contains('\n') {
                return Err(ValidationError::new(format!("tags[{i}]"), "invalid_characters", "a tag has no comma or line break"));
            }
            if !clean.contains(&t) {
                clean.push(t);
            }
        }
        let category = category.filter(|c| !c.trim().is_empty()).map(|c| text("category", c, 64)).transpose()?;
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until <= from
        {
            return Err(ValidationError::new("valid_until", "before_valid_from", "valid_until must be after valid_from"));
        }
        Ok(ArticleContent { title, body, tags: clean, category, public, valid_from, valid_until, review_at })
    }
}

/// The state a version step leads to, or why it may not be taken. `author` and `actor` are
/// the version's author and the one acting: an approver never decides their own version.
pub fn step(state: VersionState, action: VersionAction, author: uuid::Uuid, actor: uuid::Uuid) -> Result<VersionState, ValidationError> {
    use VersionAction::*;
    use VersionState::*;
    let next = match (state, action) {
        (Draft | Rejected, Submit) => Submitted,
        (Submitted, Approve) => Published,
        (Submitted, Reject) => Rejected,
        _ => {
            return Err(ValidationError::new(
                "action",
                "invalid_transition",
                format!("a {} version cannot be given '{}'", state.as_str(), action.as_str()),
            ));
        }
    };
    if matches!(action, Approve | Reject) && author == actor {
        return Err(ValidationError::new("action", "own_version", "a version is approved or rejected by someone other than its author"));
    }
    Ok(next)
}

/// Whether a published article may be served at `now` (searched, read, used for an answer).
pub fn servable(status: ArticleStatus, valid_from: Option<DateTime<Utc>>, valid_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    status == ArticleStatus::Published && valid_from.is_none_or(|f| f <= now) && valid_until.is_none_or(|u| now < u)
}

/// The flags of an article at `now` (archived articles have none: nobody serves them).
pub fn flags(
    status: ArticleStatus,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    review_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<Flag> {
    if status == ArticleStatus::Archived {
        return Vec::new();
    }
    let mut out = Vec::new();
    if valid_until.is_some_and(|u| u <= now) {
        out.push(Flag::Expired);
    }
    if review_at.is_some_and(|r| r <= now) {
        out.push(Flag::ReviewDue);
    }
    if valid_from.is_some_and(|f| now < f) {
        out.push(Flag::NotYetValid);
    }
    out
}

/// What the owner was last told about, as a stable key: a new expiry or review date is news
/// again, the same one is not. `None` when there is nothing to tell.
pub fn flag_key(flags: &[Flag], valid_until: Option<DateTime<Utc>>, review_at: Option<DateTime<Utc>>) -> Option<String> {
    let mut parts = Vec::new();
    if flags.contains(&Flag::Expired) {
        parts.push(format!("expired:{}", valid_until.map(|d| d.timestamp()).unwrap_or_default()));
    }
    if flags.contains(&Flag::ReviewDue) {
        parts.push(format!("review:{}", review_at.map(|d| d.timestamp()).unwrap_or_default()));
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    fn at(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap() + Duration::days(d)
    }

    fn check(title: &str, body: &str, tags: &[&str]) -> Result<ArticleContent, ValidationError> {
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        ArticleContent::check(title, body, &tags, None, true, None, None, None)
    }

    #[test]
    fn content_is_trimmed_and_checked() {
        let c = check("  停水通知  ", " 本周三停水。 ", &["停水", "供水", "停水"]).unwrap();
        assert_eq!((c.title.as_str(), c.body.as_str(), c.tags.len()), ("停水通知", "本周三停水。", 2));
        assert_eq!(check(" ", "x", &[]).unwrap_err().field, "title");
        assert_eq!(check("t", "", &[]).unwrap_err().field, "body");
        assert_eq!(check(&"长".repeat(201), "x", &[]).unwrap_err().code, "too_long");
        assert_eq!(check("a\nb", "x", &[]).unwrap_err().code, "invalid_characters");
        assert_eq!(check("t", "x", &["a,b"]).unwrap_err().field, "tags[0]");
        let many: Vec<&str> = (0..21).map(|_| "x").collect();
        assert_eq!(check("t", "x", &many).unwrap_err().code, "too_many");
        assert_eq!(check("t", "a\u{7}b", &[]).unwrap_err().code, "invalid_characters");
        let e = ArticleContent::check("t", "b", &[], None, false, Some(at(2)), Some(at(1)), None).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("valid_until", "before_valid_from"));
    }

    #[test]
    fn versions_need_a_second_person_to_go_live() {
        let (author, approver) = (Uuid::from_u128(1), Uuid::from_u128(2));
        use VersionAction::*;
        use VersionState::*;
        assert_eq!(step(Draft, Submit, author, author).unwrap(), Submitted);
        assert_eq!(step(Submitted, Approve, author, approver).unwrap(), Published);
        assert_eq!(step(Submitted, Reject, author, approver).unwrap(), Rejected);
        assert_eq!(step(Rejected, Submit, author, author).unwrap(), Submitted);
        assert_eq!(step(Submitted, Approve, author, author).unwrap_err().code, "own_version");
        assert_eq!(step(Submitted, Reject, author, author).unwrap_err().code, "own_version");
        for (state, action) in [(Draft, Approve), (Published, Submit), (Superseded, Approve), (Published, Reject), (Submitted, Submit)] {
            assert_eq!(step(state, action, author, approver).unwrap_err().code, "invalid_transition", "{state} {action}");
        }
    }

    #[test]
    fn only_live_valid_articles_are_served_and_owners_see_flags() {
        use ArticleStatus::*;
        assert!(servable(Published, None, None, at(0)));
        assert!(servable(Published, Some(at(0)), Some(at(1)), at(0)));
        assert!(!servable(Published, Some(at(1)), None, at(0)), "not yet valid");
        assert!(!servable(Published, None, Some(at(0)), at(0)), "valid until is exclusive");
        assert!(!servable(Draft, None, None, at(0)) && !servable(Archived, None, None, at(0)));

        assert_eq!(flags(Published, None, Some(at(-1)), Some(at(-2)), at(0)), [Flag::Expired, Flag::ReviewDue]);
        assert_eq!(flags(Published, Some(at(3)), None, Some(at(5)), at(0)), [Flag::NotYetValid]);
        assert!(flags(Archived, None, Some(at(-1)), None, at(0)).is_empty());
        let f = flags(Published, None, None, Some(at(-1)), at(0));
        let key = flag_key(&f, None, Some(at(-1))).unwrap();
        assert_ne!(Some(key.clone()), flag_key(&f, None, Some(at(-3))), "a new review date is news again");
        assert_eq!(flag_key(&[Flag::NotYetValid], None, None), None, "nothing to tell");
    }
}
