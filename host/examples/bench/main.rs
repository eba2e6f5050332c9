//! The durabox side of `cargo xtask bench`: the workloads of `tests/bench/official.py`
//! run in-process with the durabox library, beside two anchors measured in the same run:
//!
//! * the official runner (`official.py --serve`, a child process asked for one sample at a
//!   time): wall time and its process's CPU time, so its idle sleeps are seen apart;
//! * the do-nothing host ([`limit`]): the same component on the same engine, every durable
//!   call answered at once: the sandbox's own limit (`vs_limit` = durabox ÷ limit).
//!
//! Samples interleave: for each workload, one warm-up execution on every side, then
//! rounds of one official execution followed by durabox executions alternating with the
//! do-nothing host's. The official runner and durabox get the same number of samples
//! (durabox's sample of a round is the median of its executions in that round).
//!
//! `cargo run -p durabox --example bench -- [--quick] [--python PYTHON] [--out FILE]
//! [--cache-dir DIR]` after `cargo xtask build-guests`. `--python` is the bench venv's
//! interpreter (with the official runner installed); without it only durabox and the
//! limit run. `--out` receives the results; `--cache-dir` replaces target/durabox-cache
//! for compiled components. Prints a table on stdout.

mod interleave;
mod limit;
mod official;
mod report;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions};
use durabox::sandbox::LoadedFunction;
use durabox::service::{Execution, ExecutionCell, ExecutionSpec};
use serde_json::{json, Map, Value};

use interleave::{run_once, Side, SideResult};
use limit::LimitHost;
use official::{Official, Sample};

const QUICKSTART_INPUT: &str = "\"input str\"";
pub(crate) const TIMEOUT: Duration = Duration::from_secs(600);

/// A workload: its name (as in official.py), the function and the input; durabox's
/// executions and the official runner's samples (after one warm-up each).
struct Workload {
    name: &'static str,
    function: &'static str,
    input: &'static str,
    quick_reps: usize,
    full_reps: usize,
    official_quick: usize,
    official_full: usize,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "quickstart",
        function: "quickstart",
        input: QUICKSTART_INPUT,
        quick_reps: 30,
        full_reps: 200,
        official_quick: 5,
        official_full: 7,
    },
    Workload {
        name: "empty",
        function: "bench",
        input: r#"{"workload":"empty"}"#,
        quick_reps: 30,
        full_reps: 200,
        official_quick: 3,
        official_full: 7,
    },
    Workload {
        name: "steps100",
        function: "bench",
        input: r#"{"workload":"steps","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 5,
    },
    Workload {
        name: "steps1000",
        function: "bench",
        input: r#"{"workload":"steps","n":1000}"#,
        quick_reps: 15,
        full_reps: 20,
        official_quick: 3,
        official_full: 3,
    },
    Workload {
        name: "steps100_waits5",
        function: "bench",
        input: r#"{"workload":"steps","n":100,"waits":5}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 3,
    },
    Workload {
        name: "map100",
        function: "bench",
        input: r#"{"workload":"map","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 3,
    },
    Workload {
        name: "steps5000",
        function: "bench",
        input: r#"{"workload":"steps","n":5000}"#,
        quick_reps: 5,
        full_reps: 5,
        official_quick: 1,
        official_full: 2,
    },
];

struct Args {
    quick: bool,
    python: Option<PathBuf>,
    out: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        quick: false,
        python: None,
        out: None,
        cache_dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--python" => args.python = Some(it.next().context("--python PYTHON")?.into()),
            "--out" => args.out = Some(it.next().context("--out FILE")?.into()),
            "--cache-dir" => args.cache_dir = Some(it.next().context("--cache-dir DIR")?.into()),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ lives one level below the root")
        .to_path_buf()
}

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Mean and 90th percentile of `times`.
fn spread(times: &[f64]) -> (f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let p90 = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
    (sorted.iter().sum::<f64>() / sorted.len() as f64, p90)
}

/// Completed executions per second with `workers` threads starting executions back to
/// back for `window`.
fn throughput(
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
                    run_once(&runtime, &function, &input)?;
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
fn invocation_us(
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
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn machine() -> Value {
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
fn loadavg() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn ratio(official: Option<f64>, durabox: Option<f64>) -> Value {
    match (official, durabox) {
        (Some(o), Some(d)) if d > 0.0 => json!((o / d * 10.0).round() / 10.0),
        _ => Value::Null,
    }
}

/// Per key, wall minus CPU milliseconds: the time spent waiting.
fn idle(wall: &Map<String, Value>, cpu: &Map<String, Value>) -> Map<String, Value> {
    wall.iter()
        .map(|(k, w)| {
            let idle = match (w.as_f64(), cpu.get(k).and_then(Value::as_f64)) {
                (Some(w), Some(c)) => json!(round(w - c, 3)),
                _ => Value::Null,
            };
            (k.clone(), idle)
        })
        .collect()
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Everything the interleaved workload rounds measured, as results.json sections.
#[derive(Default)]
struct Measured {
    durabox_ms: Map<String, Value>,
    durabox_cpu_ms: Map<String, Value>,
    durabox_spread: Map<String, Value>,
    invocations: Map<String, Value>,
    official_ms: Map<String, Value>,
    official_cpu_ms: Map<String, Value>,
    official_reps: Map<String, Value>,
    limit_ms: Map<String, Value>,
    limit_cpu_ms: Map<String, Value>,
    ratios: Map<String, Value>,
    cpu_ratios: Map<String, Value>,
    vs_limit: Map<String, Value>,
    vs_limit_cpu: Map<String, Value>,
}

impl Measured {
    fn official(&mut self, name: &str, samples: &[Sample]) {
        if samples.is_empty() {
            self.official_ms.insert(name.into(), Value::Null);
            self.official_cpu_ms.insert(name.into(), Value::Null);
            return;
        }
        let wall = median(samples.iter().map(|s| s.wall_ms).collect());
        let cpu = median(samples.iter().map(|s| s.cpu_ms).collect());
        eprintln!(
            "official {name}: {wall:.1} ms wall, {cpu:.1} ms CPU ({:.0} % idle), median of {}",
            (1.0 - cpu / wall) * 100.0,
            samples.len()
        );
        self.official_ms.insert(name.into(), json!(round(wall, 3)));
        self.official_cpu_ms
            .insert(name.into(), json!(round(cpu, 3)));
        self.official_reps.insert(name.into(), json!(samples.len()));
    }

    fn side(&mut self, key: &str, r: &SideResult) {
        let walls: Vec<f64> = r.durabox.iter().map(|t| t.wall).collect();
        let (mean, p90) = spread(&walls);
        let wall = median(walls);
        let cpu = median(r.durabox.iter().map(|t| t.cpu).collect());
        eprintln!(
            "durabox {key}: {wall:.3} ms wall, {cpu:.3} ms CPU, median of {} (mean {mean:.3}, p90 {p90:.3}; {} invocations)",
            r.durabox.len(),
            r.invocations
        );
        self.durabox_ms.insert(key.into(), json!(round(wall, 3)));
        self.durabox_cpu_ms.insert(key.into(), json!(round(cpu, 3)));
        self.durabox_spread.insert(
            key.into(),
            json!({ "mean_ms": round(mean, 3), "p90_ms": round(p90, 3), "executions": r.durabox.len() }),
        );
        self.invocations.insert(key.into(), json!(r.invocations));
        // Against the official runner: as many samples on both sides (one per round).
        let official_key = if key.starts_with("quickstart") {
            "quickstart"
        } else {
            key
        };
        let ratio_key = if key.starts_with("quickstart_") {
            format!("{key}_vs_pyt")
        } else {
            format!("{key}_rust_vs_pyt")
        };
        let round_wall = median(r.per_round.iter().map(|t| t.wall).collect());
        let round_cpu = median(r.per_round.iter().map(|t| t.cpu).collect());
        let official = |map: &Map<String, Value>| map.get(official_key).and_then(Value::as_f64);
        self.ratios.insert(
            ratio_key.clone(),
            ratio(official(&self.official_ms), Some(round_wall)),
        );
        self.cpu_ratios.insert(
            ratio_key,
            ratio(official(&self.official_cpu_ms), Some(round_cpu)),
        );
        if !r.limit.is_empty() {
            let limit_wall = median(r.limit.iter().map(|t| t.wall).collect());
            let limit_cpu = median(r.limit.iter().map(|t| t.cpu).collect());
            eprintln!(
                "limit {key}: {limit_wall:.3} ms wall, {limit_cpu:.3} ms CPU; durabox / limit = {:.2} (CPU {:.2})",
                wall / limit_wall,
                cpu / limit_cpu
            );
            self.limit_ms
                .insert(key.into(), json!(round(limit_wall, 4)));
            self.limit_cpu_ms
                .insert(key.into(), json!(round(limit_cpu, 4)));
            let rust_key = format!("{key}_rust");
            self.vs_limit
                .insert(rust_key.clone(), json!(round(wall / limit_wall, 2)));
            self.vs_limit_cpu
                .insert(rust_key, json!(round(cpu / limit_cpu, 2)));
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let root = root();
    let machine = machine();
    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(
            args.cache_dir
                .clone()
                .unwrap_or_else(|| root.join("target/durabox-cache")),
        ),
        ..RuntimeOptions::default()
    })?;
    let guest = |lang: &str, name: &str| root.join(format!("target/guests/{lang}/{name}.wasm"));
    let register = |name: &str, path: &Path| -> anyhow::Result<Option<LoadedFunction>> {
        if !path.exists() {
            eprintln!("bench: {} is missing, skipped", path.display());
            return Ok(None);
        }
        let started = Instant::now();
        let f = runtime.register_file(name, path, FunctionConfig::default())?;
        eprintln!(
            "bench: loaded {name} in {:.1?} ({})",
            started.elapsed(),
            if f.loaded.from_cache {
                "compiled artifact from the cache"
            } else {
                "compiled now"
            }
        );
        Ok(Some(f.loaded.clone()))
    };
    let rust_quickstart = register("quickstart", &guest("rust", "quickstart"))?
        .context("target/guests/rust/quickstart.wasm is missing: cargo xtask build-guests")?;
    let rust_bench = register("bench", &guest("rust", "bench"))?
        .context("target/guests/rust/bench.wasm is missing: cargo xtask build-guests")?;
    let python = register("quickstart_python", &guest("python", "quickstart"))?;
    let js = register("quickstart_js", &guest("js", "quickstart"))?;
    let rss_after_load = proc_status_kib("VmRSS:").map(|k| round(k as f64 / 1024.0, 1));
    eprintln!("durabox RSS after loading the guests: {rss_after_load:?} MiB");

    // The anchors: the official runner (a child process) and the do-nothing host on
    // durabox's own engine, for every Rust workload.
    let mut official = match &args.python {
        Some(python) => {
            let script = root.join("tests/bench/official.py");
            Some(Official::start(python, &script)?)
        }
        None => {
            eprintln!("bench: no --python: the official runner is not measured");
            None
        }
    };
    let engine = runtime.sandbox().engine();
    let load_limit = |name: &str| {
        LimitHost::load(engine, &guest("rust", name))
            .map_err(|e| anyhow::anyhow!("do-nothing host, {name}: {e:?}"))
    };
    let (limit_quickstart, limit_bench) = (load_limit("quickstart")?, load_limit("bench")?);

    let lang_reps = if args.quick { 10 } else { 50 };
    let mut m = Measured::default();
    for w in WORKLOADS {
        let started = Instant::now();
        let (reps, rounds) = if args.quick {
            (w.quick_reps, w.official_quick)
        } else {
            (w.full_reps, w.official_full)
        };
        let limit = if w.function == "quickstart" {
            &limit_quickstart
        } else {
            &limit_bench
        };
        let mut sides = vec![Side {
            key: w.name.into(),
            function: w.function,
            input: w.input,
            reps,
            limit: Some(limit),
        }];
        if w.name == "quickstart" {
            for (key, loaded) in [("quickstart_python", &python), ("quickstart_js", &js)] {
                if loaded.is_some() {
                    sides.push(Side {
                        key: key.into(),
                        function: key,
                        input: QUICKSTART_INPUT,
                        reps: lang_reps,
                        limit: None,
                    });
                } else {
                    m.durabox_ms.insert(key.into(), Value::Null);
                }
            }
        }
        let (samples, results) =
            interleave::measure_workload(&runtime, official.as_mut(), w.name, rounds, &sides)?;
        m.official(w.name, &samples);
        for (side, result) in sides.iter().zip(&results) {
            m.side(&side.key, result);
        }
        eprintln!("bench: {} measured in {:.1?}", w.name, started.elapsed());
    }
    let python_version = official.as_ref().map(|o| o.python.clone());
    drop(official);
    let Measured {
        durabox_ms,
        durabox_cpu_ms,
        durabox_spread,
        invocations,
        official_ms: official_wall,
        official_cpu_ms,
        official_reps,
        limit_ms,
        limit_cpu_ms,
        ratios,
        cpu_ratios,
        vs_limit,
        vs_limit_cpu,
    } = m;
    let official_ms = |name: &str| official_wall.get(name).and_then(Value::as_f64);
    let d = |name: &str| durabox_ms.get(name).and_then(Value::as_f64);

    // Executions per second, two workers (and one, for reference).
    // Resident memory after each phase (a growth here is memory kept across executions).
    let mut rss_mib = Map::new();
    rss_mib.insert("loading the guests".into(), json!(rss_after_load));
    let mut note_rss = |phase: &str| {
        let mib = proc_status_kib("VmRSS:").map(|k| round(k as f64 / 1024.0, 1));
        eprintln!("durabox RSS after {phase}: {mib:?} MiB");
        rss_mib.insert(phase.into(), json!(mib));
    };
    note_rss("workloads");
    let window = Duration::from_secs(if args.quick { 3 } else { 10 });
    let eps2 = throughput(&runtime, "quickstart", QUICKSTART_INPUT, 2, window)?;
    let eps1 = throughput(&runtime, "quickstart", QUICKSTART_INPUT, 1, window)?;
    eprintln!("durabox quickstart executions/s: {eps2:.0} (2 workers), {eps1:.0} (1 worker)");

    // Fresh instantiate + call, per language: the quickstart's first invocation (up to
    // its wait: 4 steps and a child context checkpointed), and the empty handler.
    note_rss("throughput");
    let invoke_reps = if args.quick { 50 } else { 300 };
    let mut inv = Map::new();
    for (lang, loaded) in [
        ("rust", Some(&rust_quickstart)),
        ("python", python.as_ref()),
        ("js", js.as_ref()),
    ] {
        let us = match loaded {
            Some(l) => Some(round(
                invocation_us(&runtime, l, QUICKSTART_INPUT, invoke_reps)?,
                1,
            )),
            None => None,
        };
        inv.insert(lang.into(), json!(us));
    }
    let empty_us = round(
        invocation_us(
            &runtime,
            &rust_bench,
            r#"{"workload":"empty"}"#,
            invoke_reps,
        )?,
        1,
    );
    eprintln!("durabox invocation µs: {inv:?}, empty rust handler {empty_us}");

    // A 10,000-operation execution: time and the process's peak RSS during it. Writing 5
    // to /proc/self/clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    note_rss("invocation loops");
    let rss_before = proc_status_kib("VmRSS:");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (big, big_invocations) = run_once(&runtime, "bench", r#"{"workload":"steps","n":10000}"#)?;
    let hwm = proc_status_kib("VmHWM:");
    let mib = |k: Option<u64>| k.map(|k| round(k as f64 / 1024.0, 1));
    // The first run above is cold (fresh pages); the time is the median of warm runs.
    let big_reps = if args.quick { 3 } else { 5 };
    let mut big_times = Vec::with_capacity(big_reps);
    for _ in 0..big_reps {
        big_times.push(
            run_once(&runtime, "bench", r#"{"workload":"steps","n":10000}"#)?
                .0
                .wall,
        );
    }
    let big_ms = median(big_times);
    eprintln!(
        "durabox 10,000 steps: {big_ms:.1} ms median of {big_reps} (first, cold: {:.1} ms), peak RSS {:?} MiB (before {:?} MiB)",
        big.wall,
        mib(hwm),
        mib(rss_before)
    );

    // Growth with the number of operations.
    let sizes = [100u64, 1000, 5000, 10000];
    let growth_ms = [d("steps100"), d("steps1000"), d("steps5000"), Some(big_ms)];
    let exponent = |a: Option<f64>, b: Option<f64>, na: u64, nb: u64| match (a, b) {
        (Some(a), Some(b)) => json!(round((b / a).ln() / (nb as f64 / na as f64).ln(), 2)),
        _ => Value::Null,
    };
    let scaling = json!({
        "steps": sizes,
        "durabox_ms": growth_ms,
        "durabox_us_per_step": sizes.iter().zip(growth_ms).map(|(n, t)| t.map(|t| round(t * 1000.0 / *n as f64, 2))).collect::<Vec<_>>(),
        "durabox_exponent_1000_to_5000": exponent(d("steps1000"), d("steps5000"), 1000, 5000),
        "durabox_exponent_5000_to_10000": exponent(d("steps5000"), Some(big_ms), 5000, 10000),
        "official_ms": [official_ms("steps100"), official_ms("steps1000"), official_ms("steps5000"), None::<f64>],
        "official_exponent_1000_to_5000": exponent(official_ms("steps1000"), official_ms("steps5000"), 1000, 5000),
    });

    let r = |k: &str| ratios.get(k).and_then(Value::as_f64);
    let goal = |value: Option<f64>, target: f64| match value {
        Some(v) => json!({ "value": v, "target": target, "met": v >= target }),
        None => json!({ "value": null, "target": target, "met": null }),
    };
    // Issue 12's targets: at most `target` times the do-nothing host.
    let at_most = |value: Option<f64>, target: f64| match value {
        Some(v) => json!({ "value": v, "at_most": target, "met": v <= target }),
        None => json!({ "value": null, "at_most": target, "met": null }),
    };
    let get = |map: &Map<String, Value>, k: &str| map.get(k).and_then(Value::as_f64);
    let goals = json!({
        "vs_limit_quickstart_rust": at_most(get(&vs_limit, "quickstart_rust"), 1.5),
        "vs_limit_steps1000_rust": at_most(get(&vs_limit, "steps1000_rust"), 2.0),
        "cpu_ratio_quickstart_rust_vs_pyt": goal(get(&cpu_ratios, "quickstart_rust_vs_pyt"), 50.0),
        "executions_per_second_quickstart_rust_6000": goal(Some(round(eps2, 0)), 6000.0),
        "quickstart_rust_vs_pyt": goal(r("quickstart_rust_vs_pyt"), 100.0),
        "steps100_waits5_rust_vs_pyt": goal(r("steps100_waits5_rust_vs_pyt"), 100.0),
        "steps1000_rust_vs_pyt": goal(r("steps1000_rust_vs_pyt"), 200.0),
        "quickstart_python_vs_pyt": goal(r("quickstart_python_vs_pyt"), 10.0),
        "executions_per_second_quickstart_rust": goal(Some(round(eps2, 0)), 2000.0),
    });

    let results = json!({
        "quick": args.quick,
        "machine": machine,
        "loadavg_at_end": loadavg(),
        "sampling": "per workload: one warm-up execution on every side, then rounds of one official execution followed by durabox executions, each followed by one on the do-nothing host; ratios and cpu_ratios compare the official runner's median with the median of durabox's per-round medians (as many samples on both sides); vs_limit compares all durabox executions with all do-nothing-host ones",
        "official_runner": {
            "package": "aws-durable-execution-sdk-python-testing==1.4.0",
            "python": python_version,
            "made_of": "wall = the runner's CPU work (cpu_ms: its whole process, every thread) + its idle waits (idle_ms: its own sleeps and polls, ~100 ms stop poll per invocation and ~1 ms per checkpoint)",
            "repetitions": official_reps,
            "warm_up": 1,
            "median_ms": official_wall,
            "median_cpu_ms": official_cpu_ms,
            "median_idle_ms": idle(&official_wall, &official_cpu_ms),
        },
        "limit": {
            "what": "do-nothing host: the same Rust component on durabox's engine (same Config and pooling allocator, fuel and epoch deadline per store, a default WASI), every durable call answered at once (no service, history, replay engine, driver thread or lock), as many invocations per execution as durabox made",
            "made_of": "wall = CPU work (instantiation and the guest's own code); it never waits",
            "median_ms": limit_ms,
            "median_cpu_ms": limit_cpu_ms,
            "median_idle_ms": idle(&limit_ms, &limit_cpu_ms),
        },
        "durabox": {
            "profile": "dev (dependencies and the durabox crate at opt-level 2)",
            "made_of": "wall = CPU work on the caller's and the driver's threads (cpu_ms, the whole process) + hand-off waits between them (idle_ms; negative when both threads ran at once)",
            "median_ms": durabox_ms,
            "median_cpu_ms": durabox_cpu_ms,
            "median_idle_ms": idle(&durabox_ms, &durabox_cpu_ms),
            "spread": durabox_spread,
            "invocations": invocations,
        },
        "ratios": ratios,
        "cpu_ratios": cpu_ratios,
        "vs_limit": vs_limit,
        "vs_limit_cpu": vs_limit_cpu,
        "executions_per_second": {
            "quickstart_rust": round(eps2, 0),
            "quickstart_rust_1_worker": round(eps1, 0),
            "workers": 2,
            "window_seconds": window.as_secs(),
        },
        "invocation_us": inv,
        "invocation_us_empty_handler": { "rust": empty_us },
        "ops10000": {
            "ms": round(big_ms, 1),
            "repetitions": big_reps,
            "first_run_ms": round(big.wall, 1),
            "invocations": big_invocations,
            "peak_rss_mib": mib(hwm),
            "rss_before_mib": mib(rss_before),
            "peak_reset": reset,
        },
        "scaling": scaling,
        "rss_mib_after": rss_mib,
        "goals": goals,
    });

    report::print_table(&results);
    if let Some(out) = &args.out {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(out, serde_json::to_string_pretty(&results)? + "\n")?;
        println!("\nresults: {}", out.display());
    }
    Ok(())
}
