//! The matrix rows of cases, calls, the desk and routing. Own case: received by our line
//! (through its integrator key) and led by our unit; joint case: received by the platform,
//! led by the third line's unit, co-handled by ours.

use reqwest::Method;
use serde_json::json;

use super::entry::{Entry, Ids, Stage, op};
use crate::case_kit::complaint;

//                         line: a d t u l h i | platform: a d s c x u | anon
const READ_CASE: &str = "ooooooo|oooofo|u";
const READ_JOINT: &str = "ooooooh|oooofo|u";
/// Front-door steps: agents and dispatchers of the line that received the case, or of the
/// platform. On our case each allowed principal gets a fresh case at the step's stage (`o`);
/// the one joint case goes through the steps as the allowed principals take them (`p`).
const FRONT: &str = "oofffff|ooffff|u";
const FRONT_JOINT: &str = "ffffffh|ppffff|u";
const DISPATCHER: &str = "fofffff|foffff|u";
const DISPATCHER_JOINT: &str = "ffffffh|fpffff|u";
const SUPERVISOR: &str = "fofffff|fooff f|u";
const SUPERVISOR_JOINT: &str = "ffffffh|fppfff|u";
/// Unit work of the lead unit (ours leads our case, co-handles the joint one).
const LEAD: &str = "ffffoof|ffffff|u";
const LEAD_JOINT: &str = "ffffffh|ffffff|u";
const CO: &str = "fffffff|ffffff|u";
const CO_JOINT: &str = "ffffpph|ffffff|u";

fn step(path: &'static str, stage: Stage, own: &'static str, joint: &'static str, body: super::entry::JsonBody) -> Entry {
    op(Method::POST, path, Ids::Case, own).joint(joint).json(body).stage(stage)
}

pub fn entries() -> Vec<Entry> {
    vec![
        op(Method::GET, "/api/v1/cases", Ids::QueryTenant, "ooooooo|hhoofo|u").query("tenant={code}"),
        op(Method::GET, "/api/v1/cases/{id}", Ids::Case, READ_CASE).joint(READ_JOINT),
        op(Method::GET, "/api/v1/cases/{id}/events", Ids::Case, READ_CASE).joint(READ_JOINT),
        op(Method::GET, "/api/v1/cases/{id}/routing", Ids::Case, READ_CASE).joint(READ_JOINT),
        op(Method::GET, "/api/v1/cases/{id}/duplicates", Ids::Case, "oofffff|ooofff|u").joint("oofffff|ooofff|u"),
        op(Method::GET, "/api/v1/calls/{call_id}", Ids::Call, "oofoffo|hhhffh|u"),
        op(Method::POST, "/api/v1/cases", Ids::None, "ooffffo|ooffff|u").json(|_, _, n| complaint(&format!("路灯不亮，第{n}次反映。"))),
        // The platform's agent records calls of the platform: our line's case is not one (422).
        op(Method::POST, "/api/v1/calls/events", Ids::None, "offfffo|pfffff|u")
            .json(|_, s, n| json!({ "call_id": format!("matrix-call-{n}"), "event": "ringing", "case_id": s.case }))
            .body_ids(),
        op(Method::POST, "/api/v1/desk/assist", Ids::None, "oofffff|ooffff|u").json(|_, _, _| complaint("小区停水三天了")),
        op(Method::POST, "/api/v1/routing/suggest", Ids::None, "oofffff|ooffff|u").json(|_, _, _| json!({ "text": "小区停水三天了" })),
        op(Method::POST, "/api/v1/routing/simulate", Ids::None, "oooffff|ooooff|u").json(|_, s, _| json!({ "case_id": s.case })).body_ids(),
        op(Method::GET, "/api/v1/routing/models", Ids::None, "oooffff|oofoff|u"),
        op(Method::GET, "/api/v1/supervision", Ids::QueryTenant, "foofoff|fhofff|u").query("view=overdue&tenant={code}"),
        op(Method::GET, "/api/v1/supervision/hot-spots", Ids::None, "fffffff|ooofff|u"),
        op(Method::POST, "/api/v1/cases/{id}/reveal-contact", Ids::Case, "ooffoof|ooffff|u")
            .joint("ooffooh|ooffff|u")
            .json(|_, _, _| json!({ "reason": "回访核实" })),
        // The steps, roughly in the order a case takes them.
        step("/api/v1/cases/{id}/follow-up", Stage::Dispatched, FRONT, FRONT_JOINT, |_, _, _| json!({ "text": "市民补充：路口也不亮。" })),
        op(Method::POST, "/api/v1/cases/{id}/sign", Ids::Case, LEAD).joint("ffffpph|ffffff|u").stage(Stage::Dispatched),
        step("/api/v1/cases/{id}/contribution", Stage::Signed, CO, CO_JOINT, |_, _, _| json!({ "text": "已派员核查。" })),
        step("/api/v1/cases/{id}/progress", Stage::Signed, LEAD, LEAD_JOINT, |_, _, _| json!({ "text": "已安排维修。" })),
        step("/api/v1/cases/{id}/extension", Stage::Signed, LEAD, LEAD_JOINT, |_, _, _| json!({ "days": 3, "reason": "需采购灯具" })),
        step(
            "/api/v1/cases/{id}/extension/decision",
            Stage::ExtensionAsked,
            SUPERVISOR,
            SUPERVISOR_JOINT,
            |_, _, _| json!({ "approve": true }),
        ),
        step(
            "/api/v1/cases/{id}/supervision-notice",
            Stage::Signed,
            SUPERVISOR,
            SUPERVISOR_JOINT,
            |_, _, _| json!({ "text": "请于今日答复" }),
        ),
        step(
            "/api/v1/cases/{id}/supervision-notice/answer",
            Stage::NoticeGiven,
            LEAD,
            LEAD_JOINT,
            |_, _, _| json!({ "text": "今日已修复。" }),
        ),
        step("/api/v1/cases/{id}/release", Stage::SignedWithCo, LEAD, LEAD_JOINT, |c, s, _| {
            // Our case's co-unit is our spare unit; their unit (or a missing one) must not be found.
            let unit = if s.unit == c.ours.unit { &c.spare_unit } else { &s.unit };
            json!({ "unit_id": unit, "reason": "不涉及" })
        })
        .body_ids(),
        step(
            "/api/v1/cases/{id}/return",
            Stage::Signed,
            LEAD,
            LEAD_JOINT,
            |_, _, _| json!({ "reason_code": "other", "reason": "需补充信息" }),
        ),
        step(
            "/api/v1/cases/{id}/reject-return",
            Stage::Returned,
            DISPATCHER,
            DISPATCHER_JOINT,
            |_, _, _| json!({ "reason": "属于贵单位职责" }),
        ),
        step("/api/v1/cases/{id}/dispatch", Stage::Received, FRONT, FRONT_JOINT, |_, s, _| json!({ "lead_unit_id": s.unit })).body_ids(),
        step("/api/v1/cases/{id}/accept", Stage::Received, FRONT, FRONT_JOINT, |_, _, _| json!({ "urgency": "general" })),
        step("/api/v1/cases/{id}/feedback", Stage::Signed, LEAD, LEAD_JOINT, |_, _, _| json!({ "text": "路灯已修复。", "resolved": true })),
        step("/api/v1/cases/{id}/rating", Stage::FeedbackGiven, FRONT, FRONT_JOINT, |_, _, _| json!({ "rating": "satisfied" })),
        step("/api/v1/cases/{id}/close", Stage::FeedbackGiven, DISPATCHER, DISPATCHER_JOINT, |_, _, _| json!({ "reason": "已办结" })),
        step("/api/v1/cases/{id}/reopen", Stage::FeedbackGiven, DISPATCHER, DISPATCHER_JOINT, |_, _, _| json!({ "reason": "市民不满意" })),
        // After the unit work: a new lead (another unit of ours) takes the case from our lead unit.
        step(
            "/api/v1/cases/{id}/lead",
            Stage::Signed,
            DISPATCHER,
            DISPATCHER_JOINT,
            |c, _, _| json!({ "unit_id": c.spare_unit, "reason": "职责调整" }),
        ),
        step("/api/v1/cases/{id}/answer", Stage::Received, FRONT, FRONT_JOINT, |c, s, _| {
            // Our published article; their draft (or a missing one) must not be found.
            let article = if s.article == c.ours.article { &c.public_article } else { &s.article };
            json!({ "answer": "已告知办理渠道。", "article_id": article })
        })
        .body_ids(),
        step("/api/v1/cases/{id}/refer", Stage::Received, FRONT, FRONT_JOINT, |_, _, _| json!({ "referral": "95598 国网供电服务热线" })),
        step("/api/v1/cases/{id}/transfer", Stage::Received, FRONT, FRONT_JOINT, |_, _, _| json!({ "line": "119" })),
        step("/api/v1/cases/{id}/link", Stage::Received, FRONT, FRONT_JOINT, |_, s, _| json!({ "duplicate_of": s.case })).body_ids(),
    ]
}
