//! Measurements outside the interleaved rounds: throughput, fresh invocations, the
//! process's memory and the machine.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use durabox::runner::{FunctionConfig, Runtime};
use durabox::sandbox::LoadedFunction;
use durabox::service::{Execution, ExecutionCell, ExecutionSpec};
use serde_json::{json, Value};

use crate::interleave::run_to_end;

/// Completed executions per second with `workers` threads starting executions back to
/// back for `window`.
pub(crate) fn throughput(
    runtime: &Runtime,
    function: &str,
    input: &str,
    workers: usize,
    window: Duration,
) -> anyhow::Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (runtime, done, stop) = (runtime.clone(), done.clone(), stop.clone());
            let (function, input) = (function.to_owned(), input.to_owned());
            std::thread::spawn(move || -> anyhow::Result<()> {
                while !stop.load(Ordering::Relaxed) {
                    // No pause between executions: only timed runs need one (to read CPU time).
                    run_to_end(&runtime, &function, &input, || {})?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    std::thread::sleep(window);
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.join().expect("worker panicked")?;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// Mean µs of one fresh instantiate + call of `loaded` (its first invocation of a new
/// execution), straight through the sandbox: no driver thread, no wait.
pub(crate) fn invocation_us(
    runtime: &Runtime,
    loaded: &LoadedFunction,
    input: &str,
    reps: usize,
) -> anyhow::Result<f64> {
    let config = FunctionConfig::default();
    let one = |i: usize| -> anyhow::Result<Duration> {
        let spec = ExecutionSpec {
            function_name: "bench".into(),
            execution_name: format!("invoke-{i}"),
            invocation_id: durabox::runner::runtime::unique_id(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            input: input.to_owned(),
            execution_timeout_seconds: 3600,
            skip_time: true,
            fire_callback_timeouts: false,
            manual_clock: false,
            mocks: Default::default(),
        };
        let cell = ExecutionCell::new(Execution::new(spec));
        cell.lock().begin_invocation();
        let started = Instant::now();
        let report = runtime.sandbox().invoke(
            loaded,
            &cell,
            &config.limits,
            &config.env,
            config.strict_determinism,
        );
        let elapsed = started.elapsed();
        if let durabox::service::InvocationOutcome::Crashed(e)
        | durabox::service::InvocationOutcome::Fatal(e) = &report.outcome
        {
            bail!("invocation failed: {e:?}");
        }
        Ok(elapsed)
    };
    one(0)?;
    let mut total = Duration::ZERO;
    for i in 1..=reps {
        total += one(i)?;
    }
    Ok(total.as_secs_f64() * 1e6 / reps as f64)
}

/// A `/proc/self/status` field in KiB.
pub(crate) fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The machine: CPUs, memory and load at the start.
pub(crate) fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<u64>().ok());
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu": cpu,
        "memory_gib": mem_kib.map(|k| (k as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0),
        "loadavg_at_start": loadavg(),
    })
}

/// The first three fields of /proc/loadavg: the machine is shared, so say how busy it was.
pub(crate) fn loadavg() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}
