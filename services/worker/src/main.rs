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
    let trainer = hotline_worker::spawn_trainer(core.clone(), settings.model_training_interval);
    hotline_worker::spawn_sweeper(core, settings.sweep_interval).await?;
    trainer.abort();
    Ok(())
}
