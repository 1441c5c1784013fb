//! Black-box tests of the running service: each test starts the real application on a free
//! loopback port with its own database (SQLite file, or a fresh PostgreSQL database when
//! HOTLINE_TEST_DATABASE_URL is set) and its own Redis key prefix (HOTLINE_TEST_REDIS_URL).

mod admin;
mod audit_chain;
mod audit_chain_kit;
mod audit_export;
mod auth;
mod case_intake;
mod case_kit;
mod case_paths;
mod case_refusals;
mod console;
mod console_admin;
mod console_dashboard;
mod console_dispatch;
mod console_kit;
mod console_work;
mod duplicates;
mod duties;
mod helpers;
mod intake_batch;
mod isolation;
mod jwt;
mod knowledge;
mod logs;
mod mail;
mod metrics;
mod mfa;
mod open311;
mod openapi;
mod revocation;
mod routing;
mod row_security;
mod stats_counting;
mod stats_joint;
mod stats_nyc;
mod stats_store;
mod storage;
mod suggest;
mod supervision;
mod throttle;
mod transfer;
