//! `cargo xtask reliability [--quick]`: `durabox serve` under load, SIGKILL, a locked
//! database and a full disk, and a long handler under each store. Prints each figure
//! and writes them all to target/reliability/results.json (docs/reliability.md quotes
//! them).
//!
//! `cargo run -p durabox --example reliability -- --durabox target/debug/durabox
//! [--quick] [--out FILE]` after `cargo xtask build-guests`.

mod server;
mod trials;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};

use trials::Setup;

struct Args {
    quick: bool,
    /// Runs only the trials whose names start with this.
    only: Option<String>,
    durabox: PathBuf,
    out: PathBuf,
}

fn parse_args(root: &std::path::Path) -> anyhow::Result<Args> {
    let mut args = Args {
        quick: false,
        only: None,
        durabox: root.join("target/debug/durabox"),
        out: root.join("target/reliability/results.json"),
    };
    let mut given = std::env::args().skip(1);
    let mut given_out = false;
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--only" => args.only = Some(given.next().context("--only PREFIX")?),
            "--durabox" => args.durabox = given.next().context("--durabox PATH")?.into(),
            "--out" => {
                args.out = given.next().context("--out FILE")?.into();
                given_out = true;
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if args.only.is_some() && !given_out {
        // A partial run never replaces the full run's figures.
        args.out.set_file_name("partial.json");
    }
    Ok(args)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Runs one trial (unless `--only` excludes it), printing its figures as they come.
fn step(
    (results, only): (&mut Vec<(String, Value)>, Option<&str>),
    name: &str,
    f: impl FnOnce() -> anyhow::Result<Value>,
) {
    if only.is_some_and(|prefix| !name.starts_with(prefix)) {
        return;
    }
    let started = Instant::now();
    let value = f().unwrap_or_else(|e| json!({ "error": format!("{e:#}") }));
    eprintln!("reliability: {name} ({:.1?}): {value}", started.elapsed());
    results.push((name.to_owned(), value));
}

/// One markdown table row per trial: `| name | figures |`.
fn markdown_rows(results: &Value) -> String {
    let mut rows = String::new();
    for (name, value) in results.as_object().into_iter().flatten() {
        let figures: Vec<String> = value
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, v)| format!("{key}: {}", v.to_string().replace('"', "")))
            .collect();
        rows.push_str(&format!("| {name} | {} |\n", figures.join(", ")));
    }
    rows
}

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let args = parse_args(&root)?;
    let setup = Setup {
        durabox: args.durabox.clone(),
        guests: root.join("target/guests"),
        scratch: root.join("target/reliability/scratch"),
    };
    anyhow::ensure!(
        setup.durabox.exists(),
        "{} is missing: cargo build -p durabox",
        setup.durabox.display()
    );
    let load_before = loadavg();
    let started = Instant::now();
    let mut results = Vec::new();
    let window = Duration::from_secs(if args.quick { 5 } else { 15 });
    step(
        (&mut results, args.only.as_deref()),
        "throughput_memory",
        || trials::throughput(&setup, "memory", 32, window),
    );
    let (sqlite, _) = setup.sqlite("throughput");
    step(
        (&mut results, args.only.as_deref()),
        "throughput_sqlite",
        || trials::throughput(&setup, &sqlite, 32, window),
    );
    let counts: &[usize] = if args.quick { &[200] } else { &[200, 1000] };
    for lang in ["rust", "python", "js"] {
        for &count in counts {
            step(
                (&mut results, args.only.as_deref()),
                &format!("load_{lang}_{count}"),
                || trials::load(&setup, lang, count),
            );
        }
    }
    for trial in 1..=if args.quick { 3 } else { 10 } {
        step(
            (&mut results, args.only.as_deref()),
            &format!("sigkill_trial_{trial}"),
            || trials::crash_trial(&setup, trial, 200),
        );
    }
    step(
        (&mut results, args.only.as_deref()),
        "locked_database",
        || trials::lock_trial(&setup, 200, Duration::from_secs(3)),
    );
    step(
        (&mut results, args.only.as_deref()),
        "postgres_takeover",
        || trials::postgres_takeover(&setup, 200),
    );
    step((&mut results, args.only.as_deref()), "disk_full", || {
        trials::disk_full_trial(&setup, 400)
    });
    step((&mut results, args.only.as_deref()), "steps_10000", || {
        trials::long_handler(&setup, 10_000, 5)
    });
    let report = json!({
        "command": format!("cargo xtask reliability{}", if args.quick { " --quick" } else { "" }),
        "machine": {
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "loadavg_before": load_before,
            "loadavg_after": loadavg(),
        },
        "seconds": trials::round(started.elapsed().as_secs_f64()),
        "results": results.into_iter().collect::<serde_json::Map<_, _>>(),
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)?)?;
    let table = args.out.with_extension("md");
    std::fs::write(&table, markdown_rows(&report["results"]))?;
    eprintln!(
        "reliability: table rows for docs/reliability.md in {}",
        table.display()
    );
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!("reliability: wrote {}", args.out.display());
    Ok(())
}
