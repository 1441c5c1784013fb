//! Builds the application from settings: storage, kv, keys, first-start data, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::Compress;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use hotline_auth::{KeySet, PasswordHasher};
use hotline_config::Settings;
use hotline_core::Core;
use hotline_domain::{Clock, SystemClock};
use secrecy::ExposeSecret;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::state::AppState;

/// How long a stopping process waits for requests in flight, and then for the worker's pass.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Application {
    port: u16,
    server: Server,
    core: Core,
    /// The embedded worker (`worker_embedded`), stopped after the server has drained.
    worker: Option<hotline_core::supervision::Worker>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Like `build`, with the clock injected (tests move time instead of sleeping).
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let core = build_core(&settings, clock).await?;
        first_start(&core, &settings).await?;
        // Search answers from the first request: the index is built while the server starts.
        let warm = core.clone();
        tokio::spawn(async move {
            if let Err(e) = warm.warm_kb_index().await {
                tracing::error!(error = %e, "could not load the knowledge-base index; the first search retries");
            }
        });
        let worker = settings
            .worker_embedded
            .then(|| hotline_core::supervision::Worker::start(&core, settings.sweep_interval, settings.model_training_interval));
        if core.read_cache.keeps_anything() {
            // Kept case reads are served only while this listens (see hotline_core::read_cache).
            hotline_core::read_cache::listener::start(core.read_cache.clone(), settings.database_url.clone());
        }
        if let Some(url) = &settings.redis_url {
            // Other instances announce rule publishes and organisation changes here.
            let listener = core.clone();
            hotline_kv::subscribe(url.clone(), settings.kv_prefix.clone(), hotline_core::routing::CHANNEL.into(), move |m| {
                listener.on_routing_message(&m)
            });
        }
        let listener = TcpListener::bind(&settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = AppState { core: core.clone(), settings: Arc::new(settings), http: Default::default() };
        // SIGTERM/SIGINT: stop accepting, finish the requests in flight (each intake answered
        // after its commit), then the worker's pass (run_until_stopped).
        let server = HttpServer::new(move || app(state.clone())).listen(listener)?.shutdown_timeout(SHUTDOWN_GRACE.as_secs()).run();
        tracing::info!(port, "hotline-api listening");
        Ok(Self { port, server, core, worker })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        tracing::info!("HTTP server stopped; stopping the worker");
        if let Some(worker) = self.worker {
            worker.stop(SHUTDOWN_GRACE).await;
        }
        served
    }
}

/// Connects storage and kv, applies migrations when configured, and assembles the core.
pub async fn build_core(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Core> {
    if settings.run_migrations {
        run_migrations(settings).await?;
    }
    let pool = hotline_store::PoolSettings {
        max_connections: settings.database_max_connections,
        acquire_timeout: settings.database_acquire_timeout,
    };
    let store = hotline_store::connect_with(&settings.database_url, pool).await.context("cannot connect to the database (database_url)")?;
    check_database_role(settings, &store).await?;
    let kv =
        hotline_kv::connect(settings.redis_url.as_deref(), &settings.kv_prefix).await.context("cannot connect to redis (redis_url)")?;
    let keys = if settings.jwt_keys.is_empty() {
        tracing::warn!("jwt_keys is not set: a random signing key is used and tokens end with this process");
        KeySet::ephemeral(&settings.jwt_issuer, &settings.jwt_audience, settings.access_token_ttl)
    } else {
        let pairs = settings.jwt_keys.iter().map(|k| (k.kid.clone(), k.secret.expose_secret().as_bytes().to_vec())).collect();
        let active = settings.jwt_active_kid.clone().unwrap_or_else(|| settings.jwt_keys[0].kid.clone());
        KeySet::new(pairs, &active, &settings.jwt_issuer, &settings.jwt_audience, settings.access_token_ttl)
    };
    let pii = pii_cipher(settings, &store, clock.now()).await?;
    let mfa_required_roles = settings
        .mfa_required_roles
        .iter()
        .map(|r| hotline_domain::Role::parse(r))
        .collect::<Result<Vec<_>, _>>()
        .context("mfa_required_roles")?;
    let core = Core {
        security: hotline_core::SecurityPolicy { mfa_required_roles, audit_retention: settings.audit_retention },
        pii: Arc::new(pii),
        public_rate_limit_per_hour: settings.public_rate_limit_per_hour,
        suggestions: Default::default(),
        kb_index: Default::default(),
        intake_writer: Arc::new(intake_writer(settings).await?),
        api_key_cache: Default::default(),
        read_cache: Arc::new(read_cache(settings)),
        telemetry: Default::default(),
        routing: Arc::new(hotline_core::routing::RoutingCache::default()),
        mailer: match settings.smtp_url_exposed() {
            Some(url) => Arc::new(hotline_notify::SmtpMailer::new(url, &settings.mail_from).context("smtp_url or mail_from")?),
            None => Arc::new(hotline_notify::LogMailer),
        },
        store,
        kv,
        hasher: PasswordHasher::new(settings.password_hash_concurrency as usize),
        keys: Arc::new(keys),
        clock,
        refresh_ttl: settings.refresh_token_ttl,
    };
    // The audit chain's head, and places for records written before it existed (once).
    let sealed = core.prepare_audit_chain().await.context("cannot prepare the audit chain")?;
    if sealed > 0 {
        tracing::info!(sealed, "audit records from before the hash chain were given their places");
    }
    Ok(core)
}

/// The intake writer, on a thread and connections of its own (see `start_dedicated`).
async fn intake_writer(settings: &Settings) -> anyhow::Result<hotline_core::cases::IntakeWriter> {
    use hotline_core::cases::IntakeWriter;
    // One batch at a time needs one connection; the second replaces a broken one at once.
    let pool = hotline_store::PoolSettings { max_connections: 2, acquire_timeout: settings.database_acquire_timeout };
    IntakeWriter::start_dedicated(&settings.database_url, pool).await.context("cannot start the intake writer (database_url)")
}

/// Applies pending migrations as the schema's owner (`migration_database_url`, else
/// `database_url`) and, when the service connects as another role, grants that role its
/// rights on the tables (new ones included). Returns the names of the applied migrations.
pub async fn run_migrations(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let owner = hotline_store::connect(settings.migration_url_exposed(), 2).await.with_context(|| {
        let key = if settings.migration_database_url.is_some() { "migration_database_url" } else { "database_url" };
        format!("cannot connect to the database ({key})")
    })?;
    owner.migrate().await.context("migrations failed")?;
    let service_role = hotline_store::roles::url_user(&settings.database_url);
    if settings.migration_database_url.is_some()
        && let Some(role) = service_role.filter(|r| hotline_store::roles::url_user(settings.migration_url_exposed()).as_ref() != Some(r))
    {
        owner.grant_service_role(&role).await.with_context(|| format!("cannot grant the service's role `{role}` its rights"))?;
    }
    let applied = owner.applied_migrations().await?;
    let _ = owner.db.close().await;
    Ok(applied)
}

/// Row-level security fences in only a role that owns no table and has no BYPASSRLS. With
/// `migration_database_url` set the operator asked for that split, so a role that still
/// escapes the policies stops the start; a single-URL setup (development, deployments from
/// before the split) starts with a loud error in the log.
async fn check_database_role(settings: &Settings, store: &hotline_store::Store) -> anyhow::Result<()> {
    let Some(report) = store.role_report().await.context("cannot read the database role")? else { return Ok(()) };
    let Some(weakness) = report.weakness() else { return Ok(()) };
    if settings.migration_database_url.is_some() {
        anyhow::bail!(
            "{weakness}, so row-level security cannot fence it in: connect database_url as a role that owns nothing and has no BYPASSRLS (docs/OPERATIONS.md, \"Database roles\")"
        );
    }
    tracing::error!(
        %weakness,
        "row-level security does not hold for this service: set migration_database_url to the schema owner and database_url to a role that owns nothing (docs/OPERATIONS.md, \"Database roles\")"
    );
    Ok(())
}

/// The cipher of callers' personal data: from `pii_key`, or (embedded profile only; the
/// configuration refuses PostgreSQL without it) from a key generated once into the database.
pub async fn pii_cipher(
    settings: &Settings,
    store: &hotline_store::Store,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<hotline_auth::PiiCipher> {
    let secret = match &settings.pii_key {
        Some(k) => k.expose_secret().as_bytes().to_vec(),
        None => {
            tracing::warn!("pii_key is not set: a generated key kept in the database protects caller data");
            let generated = hotline_store::support::secret(
                &store.db,
                "pii_key",
                || hotline_core::bootstrap::random_password() + &hotline_core::bootstrap::random_password(),
                now,
            )
            .await?;
            generated.into_bytes()
        }
    };
    Ok(hotline_auth::PiiCipher::new(&secret))
}

/// The platform and its first administrator, and the demo city when asked. Generated
/// passwords are printed once on standard output and never stored in clear. With `--demo` on
/// an empty database, `city_admin` gets the demo password too (unless a bootstrap password is
/// configured), so one password opens every demo account.
async fn first_start(core: &Core, settings: &Settings) -> anyhow::Result<()> {
    let configured_demo = settings.demo_password.as_ref().map(|s| s.expose_secret().to_owned());
    let demo_password = settings.demo.then(|| configured_demo.clone().unwrap_or_else(hotline_core::bootstrap::random_password));
    let bootstrap_password = settings.bootstrap_password.as_ref().map(|s| s.expose_secret().to_owned()).or_else(|| demo_password.clone());
    let report = core.bootstrap(bootstrap_password.as_deref()).await?;
    for (username, generated) in &report.created {
        if let Some(pw) = generated {
            println!(
                "\n  First start: created user `{username}` with password: {pw}\n  (shown once; set HOTLINE_BOOTSTRAP_PASSWORD to choose it)\n"
            );
        }
    }
    if let Some(password) = demo_password {
        if core.seed_demo(&password).await? {
            if configured_demo.is_none() {
                println!(
                    "\n  Demo city seeded. Password of every demo user: {password}\n  (shown once; set HOTLINE_DEMO_PASSWORD to choose it)\n"
                );
            } else {
                println!("\n  Demo city seeded; demo users use HOTLINE_DEMO_PASSWORD.\n");
            }
        } else {
            tracing::info!("demo data already present; nothing seeded");
        }
    }
    Ok(())
}

/// The read cache of an API process: on PostgreSQL only, where changes are announced (SQLite is
/// one process without notices, and its reads cost no network round trip).
fn read_cache(settings: &Settings) -> hotline_core::read_cache::ReadCache {
    if settings.database_kind != hotline_config::DatabaseKind::Postgres {
        return Default::default();
    }
    hotline_core::read_cache::ReadCache::new(hotline_core::read_cache::Limits {
        cases: settings.read_cache_cases as usize,
        pages: settings.read_cache_pages as usize,
    })
}

/// Runs the request in a database scope of its own, empty until the caller is authenticated.
/// A request that began a write transaction answers only once this process's read cache has
/// taken in the database's notices of it, so its caller reads what it wrote.
async fn open_scope(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let cache = req.app_data::<web::Data<AppState>>().map(|s| (s.core.read_cache.clone(), s.core.store.db.clone()));
    hotline_store::scope::open(async move {
        let res = next.call(req).await;
        if let Some((cache, db)) = cache
            && hotline_store::scope::wrote()
        {
            cache.sync(&db).await;
        }
        res
    })
    .await
}

/// Body and query errors become JSON errors with a stable code instead of actix's plain text.
/// The extractors take up to the largest body any endpoint takes; `edge::body_limit` holds each
/// endpoint to its own limit (its cut-off reaches the handlers here as an overflow).
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(crate::edge::body_limit::CEILING).error_handler(|err, req| {
        use actix_web::error::{JsonPayloadError as E, PayloadError};
        let api = match &err {
            E::ContentType => ApiError::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ),
            E::Overflow { .. } | E::OverflowKnownLength { .. } | E::Payload(PayloadError::Overflow) => {
                ApiError::payload_too_large(crate::edge::body_limit::limit_for(req.path()))
            }
            E::Deserialize(e) => ApiError::refused_input(crate::error::Part::Body, &e.to_string()),
            other => ApiError::bad_request("invalid_body", other.to_string()),
        };
        api.into()
    })
}

/// Form bodies (the console, the citizen portal) the same way.
fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(crate::edge::body_limit::CEILING).error_handler(|err, req| {
        use actix_web::error::{PayloadError, UrlencodedError as E};
        let api = match &err {
            E::Overflow { .. } | E::Payload(PayloadError::Overflow) => {
                ApiError::payload_too_large(crate::edge::body_limit::limit_for(req.path()))
            }
            E::ContentType => ApiError::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the form as application/x-www-form-urlencoded",
            ),
            other => ApiError::bad_request("invalid_body", other.to_string()),
        };
        actix_web::error::InternalError::from_response(err, crate::edge::refusal(req, api)).into()
    })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| ApiError::refused_input(crate::error::Part::Query, &err.to_string()).into())
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError::not_found("resource").into())
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}

fn app(
    state: AppState,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, mut api) = App::new().into_utoipa_app().openapi(crate::openapi::base()).configure(crate::routes::configure).split_for_parts();
    crate::openapi::finish(&mut api);
    app.app_data(web::Data::new(state))
        .app_data(json_config())
        .app_data(form_config())
        .app_data(web::PayloadConfig::new(crate::edge::body_limit::CEILING))
        .app_data(query_config())
        .app_data(path_config())
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api))
        .route("/docs", web::get().to(docs_redirect))
        // Operators' endpoint, outside the REST API and its OpenAPI document.
        .route("/metrics", web::get().to(crate::metrics::scrape))
        .configure(crate::console::configure)
        .default_service(web::to(crate::fallback::no_endpoint))
        .wrap(actix_web::middleware::from_fn(crate::audit_edge::audit_edge))
        // Turned away before a body is read: over budget (inner), too large (outer, checked
        // first: it costs no kv round trip and spends no budget).
        .wrap(actix_web::middleware::from_fn(crate::edge::rate_limit::rate_limit))
        .wrap(actix_web::middleware::from_fn(crate::edge::body_limit::body_limit))
        // Outside the edge's refusals, so they carry the headers too.
        .wrap(actix_web::middleware::from_fn(crate::edge::headers::security_headers))
        .wrap(Compress::default())
        .wrap(actix_web::middleware::from_fn(crate::request_log::log_request))
        // Outermost: every request starts with no database scope (sees nothing on PostgreSQL)
        // until its credential says whose it is (row-level security, `hotline_store::scope`).
        .wrap(actix_web::middleware::from_fn(open_scope))
}
