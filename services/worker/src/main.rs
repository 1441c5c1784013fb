//! `hotline-worker`: runs the worker as its own process (production). Same configuration as
//! the API (`--config FILE`, `HOTLINE_*`); set `HOTLINE_WORKER_EMBEDDED=false` on the API.

use std::path::PathBuf;

use clap::Parser;
use hotline_config::{CONFIG_FILE_ENV, Settings, help_table, init_tracing};

#[derive(Parser)]
#[command(name = "hotline-worker", version, about = "Hotline worker: deadline sweeps (reminders and supervision), hot spots, routing model training.", after_help = help_table())]
struct Cli {
    #[arg(short, long, value_name = "FILE", env = CONFIG_FILE_ENV)]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hotline-worker: configuration error: {e}");
            std::process::exit(2);
        }
    };
    init_tracing(&settings.log_level, settings.log_format);
    let core = hotline_api::build_core(&settings, std::sync::Arc::new(hotline_domain::SystemClock)).await?;
    tracing::info!(every = ?settings.sweep_interval, train_every = ?settings.model_training_interval, "hotline-worker started");
    let worker = hotline_worker::Worker::start(&core, settings.sweep_interval, settings.model_training_interval);
    // SIGTERM (Kubernetes, a rolling restart) or Ctrl-C: finish the pass under way, then exit.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: finishing the pass under way"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: finishing the pass under way"),
    }
    let finished = worker.stop(std::time::Duration::from_secs(30)).await;
    tracing::info!(finished, "hotline-worker stopped");
    Ok(())
}
