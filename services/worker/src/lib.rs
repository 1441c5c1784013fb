//! hotline-worker: the platform's periodic work: the deadline sweep (催办/督办), hot spots
//! (热点), the outbox relay, the daily digest and the routing models' training. It runs
//! inside the API process in the embedded profile (`worker_embedded`) and as its own
//! deployment in production; any number of workers may run, each crossing is still handled
//! once (see `hotline_core::supervision`).

pub use hotline_core::supervision::Worker;
