//! The OpenAPI description, collected from the `#[utoipa::path]` handlers registered in
//! `routes::configure`. `spec()` is what `/api-docs/openapi.json` serves and what
//! `hotline-api openapi` writes to `openapi/hotline-api.json`.

use actix_web::App;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hotline API",
        description = "One 12345 front door for a city's many departmental hotlines (12319, 12315, 12369 …): \
                       tenants, units, accounts, authentication and audit. Errors always carry a stable `code`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    components(schemas(crate::open311::FormatParam)),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Sign-in (with a TOTP second factor where owed), token refresh and sign-out"),
        (name = "tenants", description = "The city platform and its tenant lines"),
        (name = "units", description = "Handling units (承办单位) of a line"),
        (name = "users", description = "Staff accounts"),
        (name = "api-keys", description = "Integrator API keys"),
        (name = "audit", description = "The audit log: a hash chain, verified and exported by the audit administrator"),
        (name = "security", description = "The security administrator's work: roles, second factors, the security policy (三员分立)"),
        (name = "cases", description = "Intake, reading and the history of cases (工单)"),
        (name = "case steps", description = "The lifecycle: accept, dispatch, sign, return, feedback, rating, joint handling"),
        (name = "calls", description = "CTI call events from the call centre"),
        (name = "public", description = "Citizens without an account: report, track, rate, search public knowledge"),
        (name = "rules", description = "Per-tenant rule sets, routing decisions, simulation and replay"),
        (name = "supervision", description = "Near-due, overdue and problem cases (催办/督办), hot spots (热点)"),
        (name = "knowledge", description = "The knowledge base (知识库): articles, versions and approval, search, gaps report"),
        (name = "statistics", description = "Figures for the city office (考评), read from counters"),
        (name = "open311", description = "Open311 GeoReport v2 (and mySociety's request updates) for integrators: every resource as .json or .xml")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description("X-Api-Key", "Integrator key `hlk_…` of one tenant"))),
        );
    }
}

/// The base document (info, tags, security schemes) before paths are collected.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The full description, collected the same way the server collects it.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut api = App::new().into_utoipa_app().openapi(base()).configure(crate::routes::configure).split_for_parts().1;
    finish(&mut api);
    api
}

/// What the derives cannot say, added to the collected description (the server serves the
/// same): an Open311 request needs a location — `lat` and `long` together, `address_string` or
/// `address_id` — as the server enforces.
pub fn finish(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;
    document_refused_input(api);
    if let Some(components) = api.components.as_mut()
        && let Some(RefOr::T(Schema::Object(form))) = components.schemas.get_mut("RequestFormDoc")
    {
        // One key: the extensions are a hash map, and the committed document must not change
        // order from one generation to the next.
        let rules = serde_json::json!([
            {"anyOf": [{"required": ["lat", "long"]}, {"required": ["address_string"]}, {"required": ["address_id"]}]},
            {"dependentRequired": {"lat": ["long"], "long": ["lat"]}}
        ]);
        form.extensions.get_or_insert_with(Default::default).insert("allOf".into(), rules);
    }
}

/// Every operation with a JSON body or query parameters (Open311 excepted: its own regime)
/// can be refused before its handler runs, and each such answer is documented here once
/// rather than on every handler, so a new endpoint is described correctly without anyone
/// remembering it: 400 when the extractors refuse a body or query string that does not fit
/// (`invalid_body`, `invalid_query`) or carries a field the operation does not take
/// (`unknown_field`, `unknown_parameter`, with `field`); 415 for a body that is not JSON; 422
/// for a value its rules refuse (`validation_failed`, with `field`).
fn document_refused_input(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
        RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
    };
    for (path, item) in api.paths.paths.iter_mut() {
        if path.starts_with("/open311/") {
            continue;
        }
        let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
        for op in operations.into_iter().flatten() {
            let json_body = matches!(&op.request_body, Some(RefOr::T(b)) if b.content.contains_key("application/json"));
            let query = op.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)));
            if !json_body && !query {
                continue;
            }
            let responses = &mut op.responses.responses;
            responses.entry("400".into()).or_insert_with(|| {
                let what = match (json_body, query) {
                    (true, true) => "The body or the query string does not fit",
                    (true, false) => "The body does not fit",
                    _ => "The query string does not fit",
                };
                error(&format!(
                    "{what}: `invalid_body` / `invalid_query`, or `unknown_field` / `unknown_parameter` naming in `field` what this operation does not take"
                ))
            });
            responses
                .entry("422".into())
                .or_insert_with(|| error("`validation_failed`: a value the operation's rules refuse, named in `field`"));
            if json_body {
                responses.entry("415".into()).or_insert_with(|| error("`unsupported_media_type`: the body is not `application/json`"));
            }
        }
    }
}

/// The committed form: pretty JSON with a trailing newline.
pub fn spec_json() -> String {
    let mut s = spec().to_pretty_json().expect("the OpenAPI document serialises");
    s.push('\n');
    s
}
