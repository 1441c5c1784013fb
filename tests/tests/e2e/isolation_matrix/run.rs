//! Runs every entry for every principal and kind of id against one live application, and
//! collects what went wrong (all of it, so one run shows the whole picture).

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};

use super::cast::{Cast, Credential, EVERYONE, SECRET_PHONE, Side, Who};
use super::entry::{Entry, Ids, Payload};
use crate::helpers::TestApp;

/// The refusal codes an answer may carry: a new one is a change of the API's contract.
const REFUSALS: &[&str] = &[
    "forbidden",
    "not_case_owner",
    "not_lead_unit",
    "not_co_unit",
    "not_your_unit",
    "own_account",
    "own_roles",
    "own_version",
    "privileged_role",
];
const UNAUTHENTICATED: &[&str] = &["unauthenticated", "invalid_api_key", "invalid_token", "invalid_refresh_token", "invalid_mfa_token"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Own,
    Joint,
    Other,
    Missing,
    /// Our tenant code with their record's id, and its missing counterpart.
    Mixed,
    MixedMissing,
    /// Ids that are not well-formed.
    Malformed,
    /// Our path, the body naming their records (or missing ones).
    BodyOther,
    BodyMissing,
    BodyMalformed,
}

/// Where an answer came from, for the report.
struct At<'a> {
    e: &'a Entry,
    who: Who,
    kind: Kind,
    url: String,
}

/// One answer.
pub struct Answer {
    pub status: StatusCode,
    pub text: String,
}

impl Answer {
    fn code(&self) -> Option<String> {
        serde_json::from_str::<serde_json::Value>(&self.text).ok()?["code"].as_str().map(str::to_owned)
    }
}

pub struct Runner<'a> {
    pub app: &'a TestApp,
    pub cast: &'a Cast,
    /// Ids of the other line's records, none of which a confined caller may ever see.
    pub their_ids: Vec<String>,
    /// The subset a public answer may not hold either (see `snapshot::internal_ids`).
    pub their_internal_ids: Vec<String>,
    pub failures: Vec<String>,
    pub calls: u32,
    /// Per entry: the `p` combinations, and how many of them succeeded.
    pub passes: std::collections::BTreeMap<String, (u32, u32)>,
}

fn kinds(e: &Entry, who: Who) -> Vec<Kind> {
    use Kind::*;
    let mut kinds = match e.ids {
        _ if !e.public => path_kinds(e, who.is_confined()),
        Ids::None | Ids::Open311 => vec![Own],
        _ if e.public_other => vec![Own, Missing, Other],
        _ => vec![Own, Missing],
    };
    if e.ids.names_a_record() {
        kinds.push(Malformed);
    }
    if e.body_ids && who.is_confined() && !e.public {
        kinds.extend([BodyMalformed, BodyMissing, BodyOther]);
    }
    kinds
}

fn path_kinds(e: &Entry, confined: bool) -> Vec<Kind> {
    use Kind::*;
    match e.ids {
        Ids::None => vec![Own],
        Ids::Case if confined => vec![Own, Joint, Missing, Other],
        Ids::Case => vec![Own, Joint, Missing],
        ids if ids.has_sub_id() && confined => vec![Own, Missing, Other, MixedMissing, Mixed],
        _ if confined => vec![Own, Missing, Other],
        _ => vec![Own, Missing],
    }
}

impl Runner<'_> {
    /// The records the request's body names.
    fn body_side(&self, e: &Entry, kind: Kind) -> Side {
        let c = self.cast;
        match kind {
            Kind::BodyOther => Side { code: c.ours.code.clone(), ..c.theirs.clone() },
            Kind::BodyMissing => Side { code: c.ours.code.clone(), ..c.missing.clone() },
            Kind::BodyMalformed => Side { code: c.ours.code.clone(), ..c.malformed.clone() },
            _ => self.side(e, kind),
        }
    }

    /// The records the request's path names.
    fn side(&self, e: &Entry, kind: Kind) -> Side {
        let c = self.cast;
        let mut side = match kind {
            Kind::Own | Kind::BodyOther | Kind::BodyMissing | Kind::BodyMalformed => c.ours.clone(),
            Kind::Joint => Side { case: c.joint_case.clone(), ..c.ours.clone() },
            Kind::Other => c.theirs.clone(),
            Kind::Missing => c.missing.clone(),
            Kind::Malformed => c.malformed.clone(),
            Kind::Mixed => Side { code: c.ours.code.clone(), ..c.theirs.clone() },
            Kind::MixedMissing => Side { code: c.ours.code.clone(), ..c.missing.clone() },
        };
        if e.ids == Ids::PublicArticle && kind == Kind::Own {
            side.article = c.public_article.clone();
        }
        side
    }

    fn fill(e: &Entry, side: &Side) -> String {
        let id = match e.ids {
            Ids::Unit => &side.unit,
            Ids::User => &side.user,
            Ids::Key => &side.key,
            Ids::Category => &side.category,
            Ids::RuleSet => &side.rule_set,
            Ids::Article | Ids::ArticleVersion | Ids::PublicArticle => &side.article,
            Ids::Case | Ids::Open311Token => &side.case,
            _ => "",
        };
        let path = e
            .path
            .replace("{code}", &side.code)
            .replace("{id}", id)
            .replace("{call_id}", &side.call)
            .replace("{tracking_number}", &side.tracking)
            .replace("{service_request_id}", &side.tracking)
            .replace("{service_code}", &format!("{}-water", side.code))
            .replace("{token}", &side.case)
            .replace("{format}", "json")
            .replace("{version}", "1")
            .replace("{action}", "submit");
        let query = e.query.replace("{code}", &side.code);
        if query.is_empty() { path } else { format!("{path}?{query}") }
    }

    async fn send(&mut self, e: &Entry, who: Who, kind: Kind) -> (String, Answer) {
        let mut side = self.side(e, kind);
        // An allowed step gets a case of ours at the step's stage, so it must succeed.
        if let Some(stage) = e.stage
            && matches!(kind, Kind::Own | Kind::BodyOther | Kind::BodyMissing | Kind::BodyMalformed)
            && e.letter(e.own, who) == 'o'
        {
            side.case = self.app.fresh_case(self.cast, stage).await;
        }
        let url = Self::fill(e, &side);
        let side = self.body_side(e, kind);
        self.calls += 1;
        let mut req = self.app.client.request(e.method.clone(), self.app.url(&url));
        if !e.public {
            req = match self.cast.credential(who) {
                Credential::Bearer(t) => req.bearer_auth(t),
                Credential::ApiKey(k) => req.header("x-api-key", k),
                Credential::None => req,
            };
        }
        req = match e.payload {
            Payload::None => req,
            Payload::Json(f) => req.json(&f(self.cast, &side, self.calls)),
            Payload::Form(f) => req.form(&f(self.cast, &side)),
        };
        let res = req.send().await.unwrap();
        let status = res.status();
        (url, Answer { status, text: res.text().await.unwrap() })
    }

    fn fail(&mut self, at: &At, a: &Answer, why: String) {
        let text: String = a.text.chars().take(300).collect();
        let At { e, who, kind, url } = at;
        self.failures.push(format!("{} as {who:?} with {kind:?} ids ({url}): {why}; got {} {text}", e.name(), a.status));
    }

    /// Checks an answer against the entry's letter for `who`.
    fn expect(&mut self, at: &At, a: &Answer, letter: char, seen: &mut BTreeSet<String>) {
        let s = a.status;
        let code = a.code();
        let ok = match letter {
            'o' => s.is_success(),
            'p' => s.is_success() || matches!(s.as_u16(), 400 | 409 | 422),
            'f' => s == StatusCode::FORBIDDEN && code.as_deref().is_some_and(|c| REFUSALS.contains(&c)),
            'h' => s == StatusCode::NOT_FOUND,
            'u' => s == StatusCode::UNAUTHORIZED && code.as_deref().is_some_and(|c| UNAUTHENTICATED.contains(&c)),
            other => panic!("{}: unknown letter {other}", at.e.name()),
        };
        if letter == 'p' {
            let tally = self.passes.entry(at.e.name()).or_default();
            tally.0 += 1;
            tally.1 += u32::from(s.is_success());
        }
        if let (false, Some(c)) = (s.is_success(), code) {
            seen.insert(c);
        }
        if !ok {
            self.fail(at, a, format!("expected '{letter}'"));
        }
    }

    /// The other line's ids (and the requested ids themselves) blanked out, so an answer
    /// that echoes the id it was asked for still compares equal.
    fn neutral(&self, text: &str, side: &Side) -> String {
        let mut t = text.to_owned();
        for v in [&side.unit, &side.user, &side.key, &side.category, &side.rule_set, &side.article, &side.case, &side.call, &side.tracking]
        {
            t = t.replace(v.as_str(), "{id}");
        }
        t.replace(&side.code, "{code}")
    }

    pub async fn entry(&mut self, e: &Entry, seen: &mut BTreeSet<String>) {
        let everyone: Vec<Who> = if e.public { vec![Who::Anonymous] } else { EVERYONE.to_vec() };
        for who in everyone {
            let mut missing: Option<Answer> = None;
            for kind in kinds(e, who) {
                let (url, a) = self.send(e, who, kind).await;
                let at = At { e, who, kind, url };
                if a.status.is_server_error() {
                    self.fail(&at, &a, "a server error".into());
                    // Their counterpart is still compared (and reported) against it.
                    if matches!(kind, Kind::Missing | Kind::MixedMissing | Kind::BodyMissing) {
                        missing = Some(a);
                    }
                    continue;
                }
                if who.is_confined() || e.public {
                    self.scan(&at, &a);
                }
                match kind {
                    Kind::Own => self.expect(&at, &a, e.letter(e.own, who), seen),
                    Kind::Joint => {
                        let letters = e.joint.unwrap_or_else(|| panic!("{}: a case entry says what the joint case allows", e.name()));
                        self.expect(&at, &a, e.letter(letters, who), seen);
                    }
                    Kind::Malformed | Kind::BodyMalformed if a.status.is_success() => {
                        self.fail(&at, &a, "a malformed id answered with success".into())
                    }
                    Kind::Malformed | Kind::BodyMalformed => {}
                    Kind::Missing | Kind::MixedMissing | Kind::BodyMissing => {
                        if (e.ids.names_a_record() || kind == Kind::BodyMissing) && a.status.is_success() {
                            self.fail(&at, &a, "a missing record answered with success".into());
                        }
                        missing = Some(a);
                    }
                    Kind::Other | Kind::Mixed | Kind::BodyOther => {
                        let m = missing.take().expect("the missing counterpart runs first");
                        let counterpart = match kind {
                            Kind::Other => Kind::Missing,
                            Kind::Mixed => Kind::MixedMissing,
                            _ => Kind::BodyMissing,
                        };
                        let (theirs, none) = (self.body_side(e, kind), self.body_side(e, counterpart));
                        if (e.ids.names_a_record() || kind == Kind::BodyOther) && a.status.is_success() {
                            self.fail(&at, &a, "another line's record answered with success".into());
                        } else if (a.status, self.neutral(&a.text, &theirs)) != (m.status, self.neutral(&m.text, &none)) {
                            let why = format!(
                                "differs from a missing record's answer {} {}",
                                m.status,
                                m.text.chars().take(300).collect::<String>()
                            );
                            self.fail(&at, &a, why);
                        }
                    }
                }
            }
        }
    }

    /// Nothing of the other line, and no caller's phone number, in the answer.
    fn scan(&mut self, at: &At, a: &Answer) {
        let public = at.e.public;
        let ids = if public { &self.their_internal_ids } else { &self.their_ids };
        let leaked = ids.iter().find(|id| a.text.contains(id.as_str()));
        if let Some(id) = leaked {
            let why = format!("the answer holds the other line's id {id}");
            self.fail(at, a, why);
        }
        if public && a.text.contains(SECRET_PHONE) {
            self.fail(at, a, "a public answer holds a caller's phone number".into());
        }
    }
}

/// Reads first, then writes, then whatever ends the caller's session.
pub fn in_running_order(mut entries: Vec<Entry>) -> Vec<Entry> {
    entries.sort_by_key(|e| (e.ends_session, e.method != Method::GET));
    entries
}
