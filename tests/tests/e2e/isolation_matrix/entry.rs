//! One row of the matrix: an operation of the OpenAPI document, how its parameters are filled,
//! a valid request, and what each principal may get.
//!
//! Expectations are letters, one per principal in the order of [`EVERYONE`]:
//! `line: agent dispatcher tenant_admin auditor unit_lead unit_handler integrator |
//!  platform: agent dispatcher supervisor city_admin security_admin audit_admin | anonymous`,
//! written like `"ooooooo|oooofo|u"`:
//! - `o` succeeds (2xx);
//! - `p` passes the guard: 2xx, or refused for the record's state or the input (400/409/422),
//!   never 401/403/404 (used for steps whose success depends on where the case stands);
//! - `f` refused: 403 with a known code;
//! - `h` hidden: 404 (the record is not this principal's to see);
//! - `u` unauthenticated: 401.

use reqwest::Method;
use serde_json::Value;

use super::cast::{Cast, EVERYONE, Side, Who};

/// What fills the path (and tenant query) parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// No record in the path.
    None,
    /// `{code}` in the query string only (a filter: another tenant's code must answer like a
    /// missing one, an empty list is no leak).
    QueryTenant,
    Tenant,
    Unit,
    User,
    Key,
    Category,
    RuleSet,
    Article,
    /// `{id}/versions/{version}/{action}` of the side's article (version 1, `submit`).
    ArticleVersion,
    Case,
    Call,
    /// Public: a tracking number.
    Tracking,
    /// Public: a published public article (ours); theirs is an internal draft.
    PublicArticle,
    /// Open311: `{format}` only.
    Open311,
    /// Open311: `{service_request_id}` (a tracking number).
    Open311Request,
    /// Open311: `{service_code}` of our catalogue.
    Open311Service,
    /// Open311: `{token}` (a case id).
    Open311Token,
}

impl Ids {
    /// Paths naming a record below the tenant, so "our code, their id" is worth a try.
    pub fn has_sub_id(self) -> bool {
        matches!(self, Ids::Unit | Ids::User | Ids::Key | Ids::Category | Ids::RuleSet)
    }

    /// Whether the parameter names one record (a 2xx for a missing one is wrong).
    pub fn names_a_record(self) -> bool {
        !matches!(self, Ids::None | Ids::QueryTenant | Ids::Open311)
    }
}

pub type JsonBody = fn(&Cast, &Side, u32) -> Value;
pub type FormBody = fn(&Cast, &Side) -> Vec<(String, String)>;

#[derive(Clone, Copy)]
pub enum Payload {
    None,
    /// Built per call; the number makes names unique where a create must not collide.
    Json(JsonBody),
    Form(FormBody),
}

#[derive(Clone)]
pub struct Entry {
    pub method: Method,
    /// Exactly as in the OpenAPI document.
    pub path: &'static str,
    pub ids: Ids,
    pub query: &'static str,
    pub payload: Payload,
    /// Letters for our side's records (or for no record).
    pub own: &'static str,
    /// Letters for the joint case shared with our line (case paths only).
    pub joint: Option<&'static str>,
    /// Public: called without credentials only; `own` is one letter.
    pub public: bool,
    /// Public: another line's id must answer exactly like a missing one.
    pub public_other: bool,
    /// Ends the caller's session: run after everything else.
    pub ends_session: bool,
    /// The body names records too (units, cases, articles, accounts): our path with their
    /// ids in the body must answer exactly like our path with missing ones, never with success.
    pub body_ids: bool,
    /// A case step that succeeds only from some state: each principal allowed on our case
    /// gets a fresh case of ours at this stage, so "allowed" means 2xx, not "not refused".
    pub stage: Option<Stage>,
}

/// Where a fresh case of our line stands before a step is tried on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Received,
    Dispatched,
    Signed,
    /// Signed by our lead unit, with our spare unit as co-unit.
    SignedWithCo,
    Returned,
    ExtensionAsked,
    NoticeGiven,
    FeedbackGiven,
}

pub fn op(method: Method, path: &'static str, ids: Ids, own: &'static str) -> Entry {
    Entry {
        method,
        path,
        ids,
        query: "",
        payload: Payload::None,
        own,
        joint: None,
        public: false,
        public_other: false,
        ends_session: false,
        body_ids: false,
        stage: None,
    }
}

pub fn public(method: Method, path: &'static str, ids: Ids, letter: &'static str) -> Entry {
    Entry { public: true, ..op(method, path, ids, letter) }
}

impl Entry {
    pub fn query(mut self, q: &'static str) -> Self {
        self.query = q;
        self
    }
    pub fn json(mut self, f: JsonBody) -> Self {
        self.payload = Payload::Json(f);
        self
    }
    pub fn form(mut self, f: FormBody) -> Self {
        self.payload = Payload::Form(f);
        self
    }
    pub fn joint(mut self, letters: &'static str) -> Self {
        self.joint = Some(letters);
        self
    }
    pub fn other_like_missing(mut self) -> Self {
        self.public_other = true;
        self
    }
    pub fn stage(mut self, stage: Stage) -> Self {
        self.stage = Some(stage);
        self
    }
    pub fn body_ids(mut self) -> Self {
        self.body_ids = true;
        self
    }
    pub fn ends_session(mut self) -> Self {
        self.ends_session = true;
        self
    }

    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The expectation of `who` from a letter string.
    pub fn letter(&self, letters: &str, who: Who) -> char {
        let letters: Vec<char> = letters.chars().filter(|c| !matches!(c, '|' | ' ')).collect();
        if self.public {
            assert_eq!(letters.len(), 1, "{}: a public entry has one letter", self.name());
            return letters[0];
        }
        assert_eq!(letters.len(), EVERYONE.len(), "{}: {} letters, one per principal", self.name(), EVERYONE.len());
        letters[EVERYONE.iter().position(|w| *w == who).unwrap()]
    }
}
