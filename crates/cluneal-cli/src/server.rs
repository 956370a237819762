//! `cluneal serve`, `cluneal token` and `cluneal audit`: the async runtime,
//! the storage location, and shutdown on Ctrl-C or SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use cluneal_engine::Engine;
use cluneal_store::{Location, Store};

#[derive(Debug, Args)]
pub struct StorageArgs {
    /// Folder for the embedded SQLite database (`cluneal.db`), created if missing.
    #[arg(long, global = true, env = "CLUNEAL_DATA_DIR", default_value = "cluneal-data", value_name = "DIR")]
    data_dir: PathBuf,
    /// Use PostgreSQL instead: `postgres://user:password@host/database`.
    #[arg(long, global = true, env = "CLUNEAL_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
}

impl StorageArgs {
    fn location(&self) -> Result<Location> {
        match &self.database_url {
            Some(url) => {
                let loc = Location::parse(url);
                if !matches!(loc, Location::Postgres(_)) {
                    bail!("`--database-url` must start with postgres:// or postgresql://");
                }
                Ok(loc)
            }
            None => {
                std::fs::create_dir_all(&self.data_dir).with_context(|| {
                    format!("cannot create the data folder `{}`", self.data_dir.display())
                })?;
                Ok(Location::Sqlite(self.data_dir.join("cluneal.db")))
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and only its digest is stored.
    Create { name: String },
    /// List token names.
    List,
    /// Revoke a token by name.
    Revoke { name: String },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

async fn open(storage: &StorageArgs) -> Result<Store> {
    Ok(Store::open(&storage.location()?).await?)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// How `cluneal serve` writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per event (for log collectors).
    Json,
}

/// The server's log on stderr: events at the level `CLUNEAL_LOG` asks for
/// (default `info`), as text or JSON lines.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLUNEAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false);
    // A second call (tests that serve twice in one process) keeps the first.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub fn serve(engine: Engine, config: cluneal_server::Config, storage: &StorageArgs) -> Result<()> {
    runtime()?.block_on(async {
        let store = Arc::new(open(storage).await?);
        let kind = store.kind();
        cluneal_server::serve(
            config,
            Arc::new(engine),
            store,
            |bound| {
                // First line on stdout: scripts and tests read the port from it.
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "listening on http://{bound} ({kind} storage)");
                let _ = out.flush();
            },
            shutdown_signal(),
        )
        .await?;
        Ok(())
    })
}

pub fn token(command: TokenCommand, storage: &StorageArgs) -> Result<()> {
    runtime()?.block_on(async {
        let store = open(storage).await?;
        match command {
            TokenCommand::Create { name } => {
                let token = store.create_token(&name).await?;
                println!("{token}");
                eprintln!("token `{name}` created; keep it safe, it is not shown again");
            }
            TokenCommand::List => {
                for t in store.list_tokens().await? {
                    println!("{}\t{}", t.name, t.created_at);
                }
            }
            TokenCommand::Revoke { name } => {
                if !store.revoke_token(&name).await? {
                    bail!("no token named `{name}`");
                }
                eprintln!("token `{name}` revoked");
            }
        }
        store.close().await;
        Ok(())
    })
}

pub fn audit(limit: i64, storage: &StorageArgs) -> Result<()> {
    if !(1..=100_000).contains(&limit) {
        bail!("`--limit` must be 1 to 100000");
    }
    runtime()?.block_on(async {
        let store = open(storage).await?;
        for e in store.audit(limit).await? {
            // Escaped: a name stored before control characters were refused cannot forge a line.
            println!(
                "{}\t{}\t{}\t{}\t{}",
                e.at,
                e.actor.escape_debug(),
                e.action,
                e.case_id.unwrap_or_default(),
                e.detail.escape_debug()
            );
        }
        store.close().await;
        Ok(())
    })
}
