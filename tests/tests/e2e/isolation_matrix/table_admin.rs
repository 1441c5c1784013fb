//! The matrix rows of lines, units, accounts, keys, catalogues, rules, SLA, the knowledge base,
//! statistics, the audit log and one's own account.

use reqwest::Method;
use serde_json::json;

use super::entry::{Entry, Ids, op};

//                 line: a d t u l h i | platform: a d s c x u | anon
/// A line's administrator or the system administrator; the platform's front door does not
/// see lines (404), the other officers are refused.
const ADMIN: &str = "ffoffff|hhfoff|u";
/// Unit staff read their unit's figures without naming a line; naming one is refused.
const STATS: &str = "ffoffff|fooofo|u";

pub fn entries() -> Vec<Entry> {
    vec![
        // Lines.
        op(Method::GET, "/api/v1/tenants", Ids::None, "ooooooo|oooooo|u"),
        op(Method::GET, "/api/v1/tenants/{code}", Ids::Tenant, "ooooooo|hhoooo|u"),
        op(Method::POST, "/api/v1/tenants", Ids::None, "fffffff|fffoff|u")
            .json(|_, _, n| json!({ "code": format!("1290{n}"), "name": "矩阵测试热线", "merge_mode": "parallel" })),
        op(Method::PATCH, "/api/v1/tenants/{code}", Ids::Tenant, "fffffff|hhfoff|u").json(|_, _, _| json!({ "name": "城市管理服务热线" })),
        // Units.
        op(Method::GET, "/api/v1/tenants/{code}/units", Ids::Tenant, "ooooooo|hhoofo|u"),
        op(Method::GET, "/api/v1/tenants/{code}/units/{id}", Ids::Unit, "ooooooo|hhoofo|u"),
        op(Method::POST, "/api/v1/tenants/{code}/units", Ids::Tenant, ADMIN)
            .json(|_, s, n| json!({ "name": format!("矩阵科室{n}"), "kind": "department_office", "parent_id": s.unit }))
            .body_ids(),
        op(Method::PATCH, "/api/v1/tenants/{code}/units/{id}", Ids::Unit, ADMIN).json(|c, _, _| json!({ "name": c.our_unit_name })),
        // Accounts.
        op(Method::GET, "/api/v1/tenants/{code}/users", Ids::Tenant, "ffoofff|hhoooo|u"),
        op(Method::GET, "/api/v1/tenants/{code}/users/{id}", Ids::User, "ffoofff|hhoooo|u"),
        op(Method::POST, "/api/v1/tenants/{code}/users", Ids::Tenant, ADMIN).json(|_, s, n| {
            json!({ "username": format!("matrix.new{n}"), "display_name": "新账号", "password": "a long enough passphrase", "roles": ["unit_handler"], "unit_id": s.unit })
        })
        .body_ids(),
        op(Method::PATCH, "/api/v1/tenants/{code}/users/{id}", Ids::User, ADMIN).json(|_, _, _| json!({ "display_name": "改名" })),
        op(Method::PUT, "/api/v1/tenants/{code}/users/{id}/roles", Ids::User, "fffffff|hhffof|u").json(|_, _, _| json!({ "roles": ["dispatcher"] })),
        op(Method::DELETE, "/api/v1/tenants/{code}/users/{id}/mfa", Ids::User, "fffffff|hhffof|u"),
        // Integrator keys.
        op(Method::GET, "/api/v1/tenants/{code}/api-keys", Ids::Tenant, "ffoffff|hhffof|u"),
        op(Method::POST, "/api/v1/tenants/{code}/api-keys", Ids::Tenant, "ffoffff|hhffof|u").json(|_, _, n| json!({ "name": format!("matrix {n}") })),
        op(Method::DELETE, "/api/v1/tenants/{code}/api-keys/{id}", Ids::Key, "ffoffff|hhffof|u"),
        // The service catalogue.
        op(Method::GET, "/api/v1/tenants/{code}/categories", Ids::Tenant, "ooooffo|hhoofo|u"),
        op(Method::POST, "/api/v1/tenants/{code}/categories", Ids::Tenant, ADMIN)
            .json(|_, _, n| json!({ "code": format!("matrix-new-{n}"), "name": format!("矩阵类别{n}") })),
        op(Method::PATCH, "/api/v1/tenants/{code}/categories/{id}", Ids::Category, ADMIN).json(|_, _, _| json!({ "description": "矩阵" })),
        // Rule sets.
        op(Method::GET, "/api/v1/tenants/{code}/rule-sets", Ids::Tenant, "fooofff|hhoofo|u"),
        op(Method::GET, "/api/v1/tenants/{code}/rule-sets/{id}", Ids::RuleSet, "fooofff|hhoofo|u"),
        op(Method::POST, "/api/v1/tenants/{code}/rule-sets", Ids::Tenant, ADMIN).json(|_, _, _| json!({ "rules": [] })),
        op(Method::PUT, "/api/v1/tenants/{code}/rule-sets/{id}", Ids::RuleSet, "ffoffff|hhfoff|u").json(|_, _, _| json!({ "rules": [] })),
        op(Method::POST, "/api/v1/tenants/{code}/rule-sets/{id}/replay", Ids::RuleSet, ADMIN)
            .json(|_, _, _| json!({ "from": "2026-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z" })),
        op(Method::POST, "/api/v1/tenants/{code}/rule-sets/{id}/publish", Ids::RuleSet, "ffpffff|hhfpff|u"),
        // SLA policy.
        op(Method::GET, "/api/v1/tenants/{code}/sla-policy", Ids::Tenant, "fooofff|hhoofo|u"),
        op(Method::PUT, "/api/v1/tenants/{code}/sla-policy", Ids::Tenant, ADMIN).json(|_, _, _| json!({ "entries": [] })),
        // Knowledge base.
        op(Method::GET, "/api/v1/tenants/{code}/kb/articles", Ids::Tenant, "oooooof|oooofo|u"),
        op(Method::GET, "/api/v1/tenants/{code}/kb/gaps", Ids::Tenant, "ffoffff|hhooff|u"),
        op(Method::GET, "/api/v1/kb/search", Ids::QueryTenant, "oooooof|oooofh|u").query("q=%E4%BE%9B%E6%B0%B4&line={code}"),
        op(Method::GET, "/api/v1/kb/articles/{id}", Ids::Article, "oooooof|oooofh|u"),
        op(Method::POST, "/api/v1/tenants/{code}/kb/articles", Ids::Tenant, "oooffff|hhfoff|u")
            .json(|_, s, n| json!({ "title": format!("矩阵条目{n}"), "body": "正文", "public": false, "owner_id": s.user }))
            .body_ids(),
        op(Method::POST, "/api/v1/kb/articles/{id}/versions", Ids::Article, "oooffff|fffofh|u")
            .json(|_, _, n| json!({ "title": format!("矩阵条目修订{n}"), "body": "修订正文" })),
        op(Method::POST, "/api/v1/kb/articles/{id}/versions/{version}/{action}", Ids::ArticleVersion, "pppffff|fffpfh|u"),
        op(Method::POST, "/api/v1/kb/articles/{id}/archive", Ids::Article, "ffpffff|fffpfh|u"),
        // Statistics.
        op(Method::GET, "/api/v1/stats/summary", Ids::QueryTenant, STATS).query("tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::GET, "/api/v1/stats/summary.csv", Ids::QueryTenant, STATS).query("tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::GET, "/api/v1/stats/timeseries", Ids::QueryTenant, STATS).query("bucket=month&tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::GET, "/api/v1/stats/timeseries.csv", Ids::QueryTenant, STATS).query("bucket=month&tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::GET, "/api/v1/stats/compare", Ids::QueryTenant, STATS).query("dimension=unit&tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::GET, "/api/v1/stats/compare.csv", Ids::QueryTenant, STATS).query("dimension=unit&tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::GET, "/api/v1/stats/rankings", Ids::QueryTenant, STATS)
            .query("dimension=unit&metric=received&tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::GET, "/api/v1/stats/rankings.csv", Ids::QueryTenant, STATS)
            .query("dimension=unit&metric=received&tenant={code}&from=2026-01-01&to=2027-12-31"),
        // The audit log and the security policy.
        op(Method::GET, "/api/v1/audit-events", Ids::QueryTenant, "fffofff|fffffo|u").query("tenant={code}"),
        op(Method::GET, "/api/v1/audit-events/export", Ids::QueryTenant, "fffffff|fffffo|u").query("tenant={code}&from=2026-01-01&to=2027-12-31"),
        op(Method::POST, "/api/v1/audit-events/verify", Ids::None, "fffffff|fffffo|u"),
        op(Method::GET, "/api/v1/security-policy", Ids::None, "fffffff|ffffof|u"),
        // One's own account; the logout ends the sessions, so it comes last.
        op(Method::GET, "/api/v1/me", Ids::None, "ooooooo|oooooo|u"),
        op(Method::GET, "/api/v1/me/mfa", Ids::None, "oooooof|oooooo|u"),
        op(Method::POST, "/api/v1/me/mfa/enrol", Ids::None, "oooooof|oooooo|u"),
        // A wrong code: refused for the input (422), never for the role.
        op(Method::POST, "/api/v1/me/mfa/confirm", Ids::None, "ppppppf|pppppp|u").json(|_, _, _| json!({ "code": "000000" })),
        op(Method::POST, "/api/v1/auth/logout", Ids::None, "oooooof|oooooo|u").ends_session(),
    ]
}
