//! Prints load, invocation and quickstart timings (numbers, not assertions).
//! `cargo run -p durabox --example measure [-- N]` after `cargo xtask build-guests`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions, StartOptions};

fn guest(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/guests/rust/{name}.wasm"))
}

fn main() -> anyhow::Result<()> {
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
            let arn = runtime.start_execution(function, input, StartOptions::default())?;
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
