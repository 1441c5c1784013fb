//! `hotline-api`: thin entry point. Parses the command line, loads settings, and runs.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use hotline_config::{CONFIG_FILE_ENV, Settings, help_table, init_tracing, markdown_table};

#[derive(Parser)]
#[command(name = "hotline-api", version, about = "Hotline: one 12345 front door for a city's departmental hotlines.", after_help = help_table())]
struct Cli {
    /// A TOML file with configuration keys (between the defaults and the environment).
    #[arg(short, long, value_name = "FILE", env = CONFIG_FILE_ENV)]
    config: Option<PathBuf>,
    /// Seed the demo city into an empty database (same as HOTLINE_DEMO=true).
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit (the production migration job).
    Migrate,
    /// Print the OpenAPI document (as committed in openapi/hotline-api.json).
    Openapi,
    /// Print the configuration keys as a Markdown table (for the README).
    Config,
    /// Print the figures and their formulas (docs/METRICS.md).
    Metrics,
    /// Recount the statistics' counters from the event log and list every difference; exits
    /// with 1 when there is drift.
    VerifyStats {
        /// First local day, YYYY-MM-DD (default: 30 days before `to`).
        #[arg(long)]
        from: Option<String>,
        /// Last local day, YYYY-MM-DD (default: today).
        #[arg(long)]
        to: Option<String>,
    },
    /// Write one or more lines (tenants) to standard output as versioned JSON lines, to move
    /// them to another platform with `import` (docs/OPERATIONS.md). Exits with 1 when refused.
    Export {
        /// A tenant code to export; repeat for lines that share joint cases.
        #[arg(long = "tenant", value_name = "CODE", required_unless_present = "all")]
        tenants: Vec<String>,
        /// Every tenant of the platform (moving a whole platform).
        #[arg(long, conflicts_with = "tenants")]
        all: bool,
    },
    /// Read an export into this platform in one transaction; refuses a tenant it already has.
    /// Exits with 1 when refused (nothing is written then).
    Import {
        /// The export file (default: standard input).
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
        /// The exporting platform's pii_key, when it differs from this one's: the personal
        /// data is re-encrypted under this platform's key.
        #[arg(long, value_name = "FILE")]
        source_pii_key_file: Option<PathBuf>,
    },
    /// Verify the audit log's hash chain: reports the first changed, inserted or deleted
    /// record and exits with 1; exits with 0 when the chain is intact.
    AuditVerify {
        /// A head recorded earlier outside the database, as SEQ:HASH (printed by every run):
        /// the record at SEQ must still carry HASH.
        #[arg(long, value_name = "SEQ:HASH")]
        expect: Option<String>,
    },
    /// Learned routing suggestions.
    Suggest {
        #[command(subcommand)]
        action: SuggestCommand,
    },
}

#[derive(Subcommand)]
enum SuggestCommand {
    /// Cross-validated top-1 and top-3 accuracy of the suggestion model on a CSV of labelled
    /// texts (no database needed).
    Evaluate {
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// The columns whose text is classified, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        text_cols: Vec<String>,
        /// The column with the label (a line, a unit, an agency …).
        #[arg(long)]
        label_col: String,
        /// A CSV of training-only examples (e.g. the complaint taxonomy): in every training
        /// set, never evaluated.
        #[arg(long, value_name = "FILE", requires_all = ["seed_text_cols", "seed_label_col"])]
        seed_csv: Option<PathBuf>,
        #[arg(long, value_delimiter = ',')]
        seed_text_cols: Vec<String>,
        #[arg(long)]
        seed_label_col: Option<String>,
        #[arg(long, default_value_t = 5)]
        folds: usize,
        #[arg(long, default_value_t = 311)]
        seed: u64,
    },
}

/// `SEQ:HASH` as printed by `audit-verify`.
fn parse_expectation(s: &str) -> Result<(i64, String), String> {
    let (seq, hash) = s.split_once(':').ok_or("expected SEQ:HASH")?;
    let seq = seq.trim().parse::<i64>().map_err(|_| format!("'{seq}' is not a record number"))?;
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("HASH must be 64 hexadecimal digits".into());
    }
    Ok((seq, hash))
}

fn load(cli: &Cli) -> anyhow::Result<Settings> {
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    if cli.demo {
        env.push(("HOTLINE_DEMO".into(), "true".into()));
    }
    Ok(Settings::load(cli.config.as_deref(), env)?)
}

/// The summary or the refusal on standard error (standard output carries the export).
fn transfer_outcome(
    verb: &str,
    done: Result<hotline_core::transfer::Summary, hotline_core::transfer::TransferError>,
) -> anyhow::Result<()> {
    match done {
        Ok(summary) => {
            eprintln!("{}", hotline_api::transfer_cli::describe(verb, &summary));
            Ok(())
        }
        Err(e) => {
            eprintln!("hotline-api: {} refused: {e}", if verb == "exported" { "export" } else { "import" });
            std::process::exit(1);
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The commands (migrate, export, import, audit-verify, …) are the operator's and see the
    // whole platform. Requests and the worker run in tasks of their own, which do not inherit
    // this scope: each request gets its caller's, the worker's passes the platform's.
    hotline_store::scope::platform(run()).await
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Openapi) => {
            print!("{}", hotline_api::openapi::spec_json());
            return Ok(());
        }
        Some(Command::Config) => {
            print!("{}", markdown_table());
            return Ok(());
        }
        Some(Command::Metrics) => {
            print!("{}", hotline_domain::stats::metrics_markdown());
            return Ok(());
        }
        Some(Command::Suggest {
            action:
                SuggestCommand::Evaluate {
                    ref csv,
                    ref text_cols,
                    ref label_col,
                    ref seed_csv,
                    ref seed_text_cols,
                    ref seed_label_col,
                    folds,
                    seed,
                },
        }) => {
            let started = std::time::Instant::now();
            let seeds = seed_csv.as_deref().map(|path| hotline_api::suggest_cli::Seeds {
                path,
                text_cols: seed_text_cols,
                label_col: seed_label_col.as_deref().unwrap_or_default(),
            });
            match hotline_api::suggest_cli::evaluate(csv, text_cols, label_col, seeds, folds, seed) {
                Ok(e) => {
                    println!(
                        "{} examples, {} labels, {}-fold cross-validation: top-1 {:.1} %, top-3 {:.1} % ({:.1} s)",
                        e.examples,
                        e.labels,
                        e.folds,
                        e.top1 * 100.0,
                        e.top3 * 100.0,
                        started.elapsed().as_secs_f64()
                    );
                    return Ok(());
                }
                Err(msg) => {
                    eprintln!("hotline-api: {msg}");
                    std::process::exit(2);
                }
            }
        }
        _ => {}
    }
    let settings = match load(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hotline-api: configuration error: {e}");
            std::process::exit(2);
        }
    };
    init_tracing(&settings.log_level, settings.log_format);
    match cli.command {
        Some(Command::VerifyStats { ref from, ref to }) => {
            let clock: std::sync::Arc<dyn hotline_domain::Clock> = std::sync::Arc::new(hotline_domain::SystemClock);
            let range = match hotline_domain::stats::DayRange::parse(from.as_deref(), to.as_deref(), clock.now().date_naive()) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("hotline-api: --{}: {}", e.field, e.message);
                    std::process::exit(2);
                }
            };
            let core = hotline_api::build_core(&settings, clock).await?;
            let drift = core.verify_counters(range.from, range.to).await?;
            for d in &drift {
                println!("{} {} {} {}: expected {}, stored {}", d.scope, d.tenant_id, d.day, d.counter, d.expected, d.stored);
            }
            println!("{} difference(s) between {} and {}", drift.len(), range.from, range.to);
            if !drift.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Some(Command::Export { ref tenants, all }) => {
            let done = hotline_api::transfer_cli::export(&settings, tenants, all).await;
            transfer_outcome("exported", done)
        }
        Some(Command::Import { ref file, ref source_pii_key_file }) => {
            let done = hotline_api::transfer_cli::import(&settings, file.as_deref(), source_pii_key_file.as_deref()).await;
            transfer_outcome("imported", done)
        }
        Some(Command::AuditVerify { ref expect }) => {
            let expected = match expect.as_deref().map(parse_expectation).transpose() {
                Ok(e) => e,
                Err(msg) => {
                    eprintln!("hotline-api: --expect: {msg}");
                    std::process::exit(2);
                }
            };
            let core = hotline_api::build_core(&settings, std::sync::Arc::new(hotline_domain::SystemClock)).await?;
            let report = core.verify_audit_chain().await?;
            if let Some(problem) = &report.problem {
                println!("audit chain BROKEN: {problem}");
                std::process::exit(1);
            }
            if let Some((seq, hash)) = expected {
                match core.audit_hash_at(seq).await? {
                    Some(stored) if stored == hash => println!("record #{seq} carries the expected hash"),
                    Some(_) => {
                        println!("audit chain BROKEN: record #{seq} does not carry the expected hash: the chain was rewritten");
                        std::process::exit(1);
                    }
                    None => {
                        println!("audit chain BROKEN: record #{seq} is not in the chain (pruned, or deleted)");
                        std::process::exit(1);
                    }
                }
            }
            println!(
                "audit chain intact: {} records (#{}..#{}); head {}:{}",
                report.records, report.anchor_seq, report.head_seq, report.head_seq, report.head_hash
            );
            Ok(())
        }
        Some(Command::Migrate) => {
            let applied = hotline_api::run_migrations(&settings).await?;
            println!("migrations applied: {}", applied.len());
            Ok(())
        }
        _ => {
            let app = hotline_api::Application::build(settings).await?;
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}
