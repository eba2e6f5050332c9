//! The durabox side of `cargo xtask bench`: the workloads of `tests/bench/official.py`
//! run in-process with the durabox library, beside three anchors measured in the same run:
//!
//! * AWS's official Python testing runner (`official.py --serve`, a child process asked
//!   for one sample at a time): wall time and its process's CPU time, so its idle sleeps
//!   are seen apart (`ratios`, `cpu_ratios`: official ÷ durabox);
//! * AWS's official JS testing runner (`tests/bench/js/official.mjs --serve`, the same
//!   protocol, run by node from the folder its packages are installed in): `ratios_js`,
//!   `cpu_ratios_js`;
//! * the do-nothing host ([`limit`]): the same component on the same engine, every durable
//!   call answered at once: the sandbox's own limit (`vs_limit` = durabox ÷ limit).
//!
//! Samples interleave: for each workload, one warm-up execution on every side, then
//! rounds of one execution per official runner followed by durabox executions alternating
//! with the do-nothing host's. Each official runner and durabox get the same number of
//! samples (durabox's sample of a round is the median of its executions in that round);
//! the JS runner takes part in the first rounds only where its executions are long.
//!
//! `cargo run -p durabox --example bench -- [--quick] [--python PYTHON] [--node NODE
//! --js-runner DIR] [--out FILE] [--cache-dir DIR]` after `cargo xtask build-guests`.
//! `--python` is the bench venv's interpreter (with the official runner installed);
//! `--js-runner` the folder with the JS runner's node_modules (target/bench-js, installed
//! by `cargo xtask bench`; `--node` defaults to `node`); without them only durabox and the
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

use interleave::{run_once, Anchor, AnchorResult, Side, SideResult};
use limit::LimitHost;
use official::Official;

const QUICKSTART_INPUT: &str = "\"input str\"";
pub(crate) const TIMEOUT: Duration = Duration::from_secs(600);

/// A workload: its name (as in official.py and official.mjs), the function and the input;
/// durabox's executions and the official runners' samples (after one warm-up each).
struct Workload {
    name: &'static str,
    function: &'static str,
    input: &'static str,
    quick_reps: usize,
    full_reps: usize,
    /// Rounds: the Python runner's samples.
    official_quick: usize,
    official_full: usize,
    /// The JS runner's samples (at most the rounds): it ticks a fake clock of 20 ms per
    /// checkpoint, so a step costs it ~20 ms of wall time.
    js_quick: usize,
    js_full: usize,
    /// The workload of the JS runner's warm-up: the same handler at 100 steps where one
    /// execution of this workload is 20 s (steps1000) or 100 s (steps5000).
    js_warm_up: &'static str,
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
        js_quick: 5,
        js_full: 7,
        js_warm_up: "quickstart",
    },
    Workload {
        name: "empty",
        function: "bench",
        input: r#"{"workload":"empty"}"#,
        quick_reps: 30,
        full_reps: 200,
        official_quick: 3,
        official_full: 7,
        js_quick: 3,
        js_full: 7,
        js_warm_up: "empty",
    },
    Workload {
        name: "steps100",
        function: "bench",
        input: r#"{"workload":"steps","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 5,
        js_quick: 3,
        js_full: 5,
        js_warm_up: "steps100",
    },
    Workload {
        name: "steps1000",
        function: "bench",
        input: r#"{"workload":"steps","n":1000}"#,
        quick_reps: 15,
        full_reps: 20,
        official_quick: 3,
        official_full: 3,
        js_quick: 1,
        js_full: 3,
        js_warm_up: "steps100",
    },
    Workload {
        name: "steps100_waits5",
        function: "bench",
        input: r#"{"workload":"steps","n":100,"waits":5}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 3,
        js_quick: 3,
        js_full: 3,
        js_warm_up: "steps100_waits5",
    },
    Workload {
        name: "map100",
        function: "bench",
        input: r#"{"workload":"map","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
        official_quick: 3,
        official_full: 3,
        js_quick: 3,
        js_full: 3,
        js_warm_up: "map100",
    },
    Workload {
        name: "steps5000",
        function: "bench",
        input: r#"{"workload":"steps","n":5000}"#,
        quick_reps: 5,
        full_reps: 5,
        official_quick: 1,
        official_full: 2,
        js_quick: 0,
        js_full: 1,
        js_warm_up: "steps100",
    },
];

struct Args {
    quick: bool,
    python: Option<PathBuf>,
    node: Option<PathBuf>,
    js_runner: Option<PathBuf>,
    out: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        quick: false,
        python: None,
        node: None,
        js_runner: None,
        out: None,
        cache_dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--python" => args.python = Some(it.next().context("--python PYTHON")?.into()),
            "--node" => args.node = Some(it.next().context("--node NODE")?.into()),
            "--js-runner" => args.js_runner = Some(it.next().context("--js-runner DIR")?.into()),
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

/// Per key, the share of the wall time spent idle ((wall − CPU) ÷ wall).
fn idle_share(wall: &Map<String, Value>, cpu: &Map<String, Value>) -> Map<String, Value> {
    wall.iter()
        .map(|(k, w)| {
            let share = match (w.as_f64(), cpu.get(k).and_then(Value::as_f64)) {
                (Some(w), Some(c)) if w > 0.0 => json!(round(1.0 - c / w, 3)),
                _ => Value::Null,
            };
            (k.clone(), share)
        })
        .collect()
}

/// What one official runner measured over all the workloads.
#[derive(Default)]
struct AnchorStats {
    median_ms: Map<String, Value>,
    median_cpu_ms: Map<String, Value>,
    repetitions: Map<String, Value>,
    warm_up: Map<String, Value>,
    /// Workloads it did not run, and why.
    not_measured: Map<String, Value>,
    /// official ÷ durabox, wall and CPU, per durabox side (`<key>_rust_vs_<suffix>`).
    ratios: Map<String, Value>,
    cpu_ratios: Map<String, Value>,
}

impl AnchorStats {
    fn workload(&mut self, label: &str, name: &str, warm_up: &str, result: &AnchorResult) {
        if let Some(error) = &result.error {
            self.not_measured.insert(name.into(), json!(error));
        }
        if result.samples.is_empty() {
            self.median_ms.insert(name.into(), Value::Null);
            self.median_cpu_ms.insert(name.into(), Value::Null);
            return;
        }
        let samples = &result.samples;
        let wall = median(samples.iter().map(|s| s.wall_ms).collect());
        let cpu = median(samples.iter().map(|s| s.cpu_ms).collect());
        eprintln!(
            "{label} {name}: {wall:.1} ms wall, {cpu:.1} ms CPU ({:.0} % idle), median of {}",
            (1.0 - cpu / wall) * 100.0,
            samples.len()
        );
        self.median_ms.insert(name.into(), json!(round(wall, 3)));
        self.median_cpu_ms.insert(name.into(), json!(round(cpu, 3)));
        self.repetitions.insert(name.into(), json!(samples.len()));
        self.warm_up.insert(name.into(), json!(warm_up));
    }

    /// The workload's median wall and CPU time against durabox's per-round medians of the
    /// rounds this runner took part in (the first ones): as many samples on both sides.
    fn compare(&mut self, official_key: &str, ratio_key: String, r: &SideResult) {
        let n = self
            .repetitions
            .get(official_key)
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let rounds = &r.per_round[..n.min(r.per_round.len())];
        let (wall, cpu) = if rounds.is_empty() {
            (None, None)
        } else {
            (
                Some(median(rounds.iter().map(|t| t.wall).collect())),
                Some(median(rounds.iter().map(|t| t.cpu).collect())),
            )
        };
        let get = |map: &Map<String, Value>| map.get(official_key).and_then(Value::as_f64);
        self.ratios
            .insert(ratio_key.clone(), ratio(get(&self.median_ms), wall));
        self.cpu_ratios
            .insert(ratio_key, ratio(get(&self.median_cpu_ms), cpu));
    }

    fn idle_ms(&self) -> Map<String, Value> {
        idle(&self.median_ms, &self.median_cpu_ms)
    }

    fn idle_share(&self) -> Map<String, Value> {
        idle_share(&self.median_ms, &self.median_cpu_ms)
    }
}

/// Everything the interleaved workload rounds measured, as results.json sections.
#[derive(Default)]
struct Measured {
    durabox_ms: Map<String, Value>,
    durabox_cpu_ms: Map<String, Value>,
    durabox_spread: Map<String, Value>,
    invocations: Map<String, Value>,
    /// AWS's Python testing runner (`ratios`, `cpu_ratios`: `..._vs_pyt`).
    python: AnchorStats,
    /// AWS's JS testing runner (`ratios_js`, `cpu_ratios_js`: `..._vs_js`).
    js: AnchorStats,
    limit_ms: Map<String, Value>,
    limit_cpu_ms: Map<String, Value>,
    vs_limit: Map<String, Value>,
    vs_limit_cpu: Map<String, Value>,
}

impl Measured {
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
        // Against the official runners: as many samples on both sides (one per round).
        let official_key = if key.starts_with("quickstart") {
            "quickstart"
        } else {
            key
        };
        let ratio_key = |suffix: &str| {
            if key.starts_with("quickstart_") {
                format!("{key}_vs_{suffix}")
            } else {
                format!("{key}_rust_vs_{suffix}")
            }
        };
        self.python.compare(official_key, ratio_key("pyt"), r);
        self.js.compare(official_key, ratio_key("js"), r);
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

    // The anchors: the official runners (child processes) and the do-nothing host on
    // durabox's own engine, for every Rust workload.
    let mut official = match &args.python {
        Some(python) => {
            let script = root.join("tests/bench/official.py");
            Some(Official::python(python, &script)?)
        }
        None => {
            eprintln!("bench: no --python: the official Python runner is not measured");
            None
        }
    };
    // Without the JS runner, why (results.json says so).
    let mut js_absent = None;
    let mut official_js = match &args.js_runner {
        Some(dir) => {
            let node = args.node.clone().unwrap_or_else(|| "node".into());
            match Official::node(&node, dir, &root.join("tests/bench/js/official.mjs")) {
                Ok(runner) => Some(runner),
                Err(e) => {
                    eprintln!(
                        "bench: the official JS runner did not start, it is not measured: {e:#}"
                    );
                    js_absent = Some(format!("did not start: {e:#}"));
                    None
                }
            }
        }
        None => {
            eprintln!("bench: no --js-runner: the official JS runner is not measured");
            js_absent = Some("no --js-runner (node or npm missing, or not asked for)".to_owned());
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
        let (reps, rounds, js_rounds) = if args.quick {
            (w.quick_reps, w.official_quick, w.js_quick)
        } else {
            (w.full_reps, w.official_full, w.js_full)
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
        let mut anchors = Vec::new();
        if let Some(runner) = official.as_mut() {
            anchors.push(Anchor {
                runner,
                warm_up: w.name,
                rounds,
            });
        }
        let python_measured = !anchors.is_empty();
        if let Some(runner) = official_js.as_mut() {
            anchors.push(Anchor {
                runner,
                warm_up: w.js_warm_up,
                rounds: js_rounds.min(rounds),
            });
        }
        let (anchor_results, results) =
            interleave::measure_workload(&runtime, &mut anchors, w.name, rounds, &sides)?;
        let mut anchor_results = anchor_results.into_iter();
        if python_measured {
            let r = anchor_results.next().expect("one result per anchor");
            m.python.workload("official", w.name, w.name, &r);
        }
        if official_js.is_some() {
            let r = anchor_results.next().expect("one result per anchor");
            if js_rounds == 0 && r.error.is_none() {
                let why = "not run with --quick: ~100 s an execution (a 20 ms fake-clock tick per checkpoint)";
                eprintln!("bench: official-js {}: {why}", w.name);
                m.js.not_measured.insert(w.name.into(), json!(why));
            }
            m.js.workload("official-js", w.name, w.js_warm_up, &r);
        }
        for (side, result) in sides.iter().zip(&results) {
            m.side(&side.key, result);
        }
        eprintln!("bench: {} measured in {:.1?}", w.name, started.elapsed());
    }
    let python_version = official.as_ref().map(|o| o.ready["python"].clone());
    drop(official);
    let js_ready = official_js.as_ref().map(|o| o.ready.clone());
    drop(official_js);
    let Measured {
        durabox_ms,
        durabox_cpu_ms,
        durabox_spread,
        invocations,
        python: py,
        js: js_stats,
        limit_ms,
        limit_cpu_ms,
        vs_limit,
        vs_limit_cpu,
    } = m;
    let official_ms = |name: &str| py.median_ms.get(name).and_then(Value::as_f64);
    let js_ms = |name: &str| js_stats.median_ms.get(name).and_then(Value::as_f64);
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
        "official_js_ms": [js_ms("steps100"), js_ms("steps1000"), js_ms("steps5000"), None::<f64>],
        "official_js_exponent_1000_to_5000": exponent(js_ms("steps1000"), js_ms("steps5000"), 1000, 5000),
    });

    let r = |k: &str| py.ratios.get(k).and_then(Value::as_f64);
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
        "cpu_ratio_quickstart_rust_vs_pyt": goal(get(&py.cpu_ratios, "quickstart_rust_vs_pyt"), 50.0),
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
        "sampling": "per workload: one warm-up execution on every side, then rounds of one execution per official runner (Python, then JS) followed by durabox executions, each followed by one on the do-nothing host; the JS runner takes part in the first official_runner_js.repetitions rounds only; ratios and cpu_ratios (Python) and ratios_js and cpu_ratios_js (JS) compare the official runner's median with the median of durabox's per-round medians of the rounds it took part in (as many samples on both sides); vs_limit compares all durabox executions with all do-nothing-host ones",
        "official_runner": {
            "package": "aws-durable-execution-sdk-python-testing==1.4.0",
            "python": python_version,
            "made_of": "wall = the runner's CPU work (cpu_ms: its whole process, every thread) + its idle waits (idle_ms: its own sleeps and polls, ~100 ms stop poll per invocation and ~1 ms per checkpoint)",
            "repetitions": py.repetitions,
            "warm_up": 1,
            "median_ms": py.median_ms,
            "median_cpu_ms": py.median_cpu_ms,
            "median_idle_ms": py.idle_ms(),
            "idle_share": py.idle_share(),
            "not_measured": py.not_measured,
        },
        "official_runner_js": {
            "package": "@aws/durable-execution-sdk-js-testing@1.1.4",
            "sdk": "@aws/durable-execution-sdk-js@2.4.0",
            "ready": js_ready,
            "absent": js_absent,
            "runner": "tests/bench/js/official.mjs --serve: LocalDurableTestRunner after setupTestEnvironment({ skipTime: true }), a new runner per execution (made before the clock starts)",
            "made_of": "wall = the runner's CPU work (cpu_ms: process.cpuUsage(), user + system, its whole process, the checkpoint worker thread included) + its idle waits (idle_ms): ~20 ms per checkpoint (skipTime installs fake timers, setImmediate included, on a clock advanced every 20 ms of real time; the SDK's checkpoint queue waits on setImmediate) and a real 100 ms timer ending every execution (it stops the runner's checkpoint poll)",
            "repetitions": js_stats.repetitions,
            "warm_up": js_stats.warm_up,
            "median_ms": js_stats.median_ms,
            "median_cpu_ms": js_stats.median_cpu_ms,
            "median_idle_ms": js_stats.idle_ms(),
            "idle_share": js_stats.idle_share(),
            "not_measured": js_stats.not_measured,
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
        "ratios": py.ratios,
        "cpu_ratios": py.cpu_ratios,
        "ratios_js": js_stats.ratios,
        "cpu_ratios_js": js_stats.cpu_ratios,
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
