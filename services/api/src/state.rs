use std::sync::Arc;

use hotline_config::Settings;
use hotline_core::Core;

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub settings: Arc<Settings>,
    /// Request counts and latencies for `/metrics`.
    pub http: Arc<crate::metrics::HttpMetrics>,
}
