//! Prints load, invocation and quickstart timings (numbers, not assertions).
//! `cargo run -p durabox --example measure [-- N]` after `cargo xtask build-guests`.
//!
//! `-- --profile quickstart|steps1000 SECONDS`: runs that bench workload back to back for
//! SECONDS and prints the mean, for `perf record -g` (the loop is all the process does).
//!
//! `-- --vs-limit quickstart|steps1000|map100 N`: N durabox executions, each followed by one
//! on the bench's do-nothing host (as `cargo xtask bench` samples them, without the
//! official runners); prints both medians and their ratio (`vs_limit`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions, StartOptions};

#[path = "bench/limit.rs"]
mod limit;

fn guest(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/guests/rust/{name}.wasm"))
}

/// A bench workload's guest and input.
fn workload(name: &str) -> anyhow::Result<(&'static str, &'static str)> {
    Ok(match name {
        "quickstart" => ("quickstart", "\"input str\""),
        "steps1000" => ("bench", r#"{"workload":"steps","n":1000}"#),
        "map100" => ("bench", r#"{"workload":"map","n":100}"#),
        other => anyhow::bail!("unknown workload {other}: quickstart, steps1000 or map100"),
    })
}

/// A runtime with `file` registered, compiled artifacts in the bench's cache.
fn runtime_with(file: &str) -> anyhow::Result<Runtime> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(root.join("target/durabox-cache")),
        ..RuntimeOptions::default()
    })?;
    runtime.register_file(file, &guest(file), FunctionConfig::default())?;
    Ok(runtime)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `--vs-limit WORKLOAD N`: durabox and the do-nothing host alternating, as the bench
/// samples them (a 300 µs pause after each durabox execution, then its delete).
fn vs_limit(name: &str, n: usize) -> anyhow::Result<()> {
    let (file, input) = workload(name)?;
    let runtime = runtime_with(file)?;
    let host = limit::LimitHost::load(runtime.sandbox().engine(), &guest(file))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (mut ours, mut theirs) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..=n {
        let started = Instant::now();
        let arn = runtime.start_and_run(file, input, StartOptions::default())?;
        let cell = runtime.wait_for_completion(&arn, Duration::from_secs(30))?;
        let wall = started.elapsed();
        std::thread::sleep(Duration::from_micros(300));
        let invocations = cell.lock().invocation_count();
        runtime.delete_execution(&arn)?;
        let limit = host
            .execution(input, invocations)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if i > 0 {
            ours.push(wall.as_secs_f64() * 1e6);
            theirs.push(limit.as_secs_f64() * 1e6);
        }
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "{name}: durabox {ours:.1} µs, do-nothing host {theirs:.1} µs, vs_limit {:.2}",
        ours / theirs
    );
    Ok(())
}

/// `--profile WORKLOAD SECONDS`: executions back to back, nothing else.
fn profile(workload_name: &str, seconds: u64) -> anyhow::Result<()> {
    let (file, input) = workload(workload_name)?;
    let runtime = runtime_with(file)?;
    let (mut runs, started) = (0u32, Instant::now());
    while started.elapsed() < Duration::from_secs(seconds) {
        let arn = runtime.start_and_run(file, input, StartOptions::default())?;
        runtime.wait_for_completion(&arn, Duration::from_secs(30))?;
        runtime.delete_execution(&arn)?;
        runs += 1;
    }
    println!(
        "{workload_name}: {runs} executions, {:.3?} each",
        started.elapsed() / runs.max(1)
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--profile") {
        let workload = args.get(1).map(String::as_str).unwrap_or("quickstart");
        let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
        return profile(workload, seconds);
    }
    if args.first().map(String::as_str) == Some("--vs-limit") {
        let workload = args.get(1).map(String::as_str).unwrap_or("quickstart");
        let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
        return vs_limit(workload, n);
    }
    let runs: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let cache = std::env::temp_dir().join(format!("durabox-measure-{}", std::process::id()));
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.clone()),
        ..RuntimeOptions::default()
    })?;
    let started = Instant::now();
    runtime.register_file(
        "quickstart",
        &guest("quickstart"),
        FunctionConfig::default(),
    )?;
    let cold = started.elapsed();
    let started = Instant::now();
    let cached = runtime.sandbox().load_file(&guest("quickstart"))?;
    let warm = started.elapsed();
    assert!(cached.from_cache);
    runtime.register_file("scenarios", &guest("scenarios"), FunctionConfig::default())?;

    let time_runs = |function: &str, input: &str| -> anyhow::Result<(Duration, u32)> {
        let mut invocations = 0;
        let started = Instant::now();
        for _ in 0..runs {
            let arn = runtime.start_and_run(function, input, StartOptions::default())?;
            let cell = runtime.wait_for_completion(&arn, Duration::from_secs(30))?;
            invocations += cell.lock().invocation_count();
        }
        Ok((started.elapsed() / runs, invocations / runs))
    };
    let (quickstart, quickstart_invocations) = time_runs("quickstart", "\"input str\"")?;
    let (steps, _) = time_runs("scenarios", r#"{"scenario":"steps"}"#)?;
    let (log, _) = time_runs("scenarios", r#"{"scenario":"log"}"#)?;

    println!("component load (quickstart): compile {cold:.2?}, from artifact cache {warm:.2?}");
    println!("quickstart execution ({quickstart_invocations} invocations, 16 events): {quickstart:.2?} mean over {runs} runs");
    println!("one-invocation execution, 3 steps: {steps:.2?}");
    println!("one-invocation execution, logging only: {log:.2?}");
    std::fs::remove_dir_all(&cache).ok();
    Ok(())
}
