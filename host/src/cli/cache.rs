//! `durabox cache list|clear|dir`: the cache folder's entries, sizes and last uses.

use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context;
use clap::{Args, Subcommand};
use durabox::cache::CacheDir;

#[derive(Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Subcommand)]
enum CacheCommand {
    /// List the entries, least recently used first, with the total and the cap.
    List,
    /// Remove every entry (toolchains are installed again on the next build).
    Clear,
    /// Print the cache folder.
    Dir,
}

pub fn cache(args: CacheArgs) -> anyhow::Result<ExitCode> {
    let cache = CacheDir::from_env().context("no cache folder: set DURABOX_CACHE_DIR or HOME")?;
    match args.command {
        CacheCommand::Dir => println!("{}", cache.root().display()),
        CacheCommand::Clear => {
            let freed = cache
                .clear()
                .with_context(|| format!("cannot clear {}", cache.root().display()))?;
            println!("removed {} from {}", mib(freed), cache.root().display());
        }
        CacheCommand::List => {
            let entries = cache.entries();
            println!("{:<10} {:>10}  {:<20}  PATH", "KIND", "SIZE", "LAST USED");
            let now = SystemTime::now();
            for entry in &entries {
                let age = now.duration_since(entry.last_used).unwrap_or_default();
                println!(
                    "{:<10} {:>10}  {:<20}  {}",
                    entry.kind.folder(),
                    mib(entry.bytes),
                    format!("{} ago", humantime::format_duration(round(age))),
                    entry.path.display()
                );
            }
            let total: u64 = entries.iter().map(|e| e.bytes).sum();
            println!(
                "{} entries, {} of {} (DURABOX_CACHE_MAX_MB; least recently used evicted first) in {}",
                entries.len(),
                mib(total),
                mib(cache.max_bytes()),
                cache.root().display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

/// Whole seconds (minutes beyond an hour) for display.
fn round(age: std::time::Duration) -> std::time::Duration {
    let secs = age.as_secs();
    std::time::Duration::from_secs(if secs > 3600 { secs / 60 * 60 } else { secs })
}
