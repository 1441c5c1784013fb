//! hotline-worker: the platform's periodic work. Today: the deadline sweep (催办/督办). It runs
//! inside the API process in the embedded profile (`worker_embedded`) and as its own
//! deployment in production; any number of workers may run, each crossing is still handled
//! once (see `hotline_core::supervision`).

pub use hotline_core::supervision::spawn_sweeper;
