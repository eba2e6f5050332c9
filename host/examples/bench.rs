//! The durabox side of `cargo xtask bench`: the workloads of `tests/bench/official.py`
//! run in-process with the durabox library, compared with the official runner's numbers.
//!
//! `cargo run -p durabox --example bench -- [--quick] [--official FILE] [--out FILE]`
//! after `cargo xtask build-guests`. `--official` is the JSON `official.py` printed;
//! `--out` receives the results (ratios, executions/second, invocation cost, ...);
//! `--cache-dir` replaces target/durabox-cache for compiled components.
//! Prints a table on stdout.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions, StartOptions};
use durabox::sandbox::LoadedFunction;
use durabox::service::{Execution, ExecutionCell, ExecutionSpec};
use durabox::ExecutionStatus;
use serde_json::{json, Map, Value};

const QUICKSTART_INPUT: &str = "\"input str\"";
const TIMEOUT: Duration = Duration::from_secs(600);

/// A workload: its name (as in official.py), the function and the input.
struct Workload {
    name: &'static str,
    function: &'static str,
    input: &'static str,
    quick_reps: usize,
    full_reps: usize,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "quickstart",
        function: "quickstart",
        input: QUICKSTART_INPUT,
        quick_reps: 30,
        full_reps: 200,
    },
    Workload {
        name: "empty",
        function: "bench",
        input: r#"{"workload":"empty"}"#,
        quick_reps: 30,
        full_reps: 200,
    },
    Workload {
        name: "steps100",
        function: "bench",
        input: r#"{"workload":"steps","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
    },
    Workload {
        name: "steps1000",
        function: "bench",
        input: r#"{"workload":"steps","n":1000}"#,
        quick_reps: 15,
        full_reps: 20,
    },
    Workload {
        name: "steps100_waits5",
        function: "bench",
        input: r#"{"workload":"steps","n":100,"waits":5}"#,
        quick_reps: 10,
        full_reps: 50,
    },
    Workload {
        name: "map100",
        function: "bench",
        input: r#"{"workload":"map","n":100}"#,
        quick_reps: 10,
        full_reps: 50,
    },
    Workload {
        name: "steps5000",
        function: "bench",
        input: r#"{"workload":"steps","n":5000}"#,
        quick_reps: 5,
        full_reps: 5,
    },
];

struct Args {
    quick: bool,
    official: Option<PathBuf>,
    out: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        quick: false,
        official: None,
        out: None,
        cache_dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--official" => args.official = Some(it.next().context("--official FILE")?.into()),
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Runs one execution to the end; returns its wall time and number of invocations.
fn run_once(runtime: &Runtime, function: &str, input: &str) -> anyhow::Result<(Duration, u32)> {
    let started = Instant::now();
    let arn = runtime.start_execution(function, input, StartOptions::default())?;
    let cell = runtime.wait_for_completion(&arn, TIMEOUT)?;
    let elapsed = started.elapsed();
    let (status, invocations, error) = {
        let execution = cell.lock();
        (
            execution.status,
            execution.invocation_count(),
            execution.error.clone(),
        )
    };
    runtime.delete_execution(&arn)?;
    if status != ExecutionStatus::Succeeded {
        bail!("{function} {input}: execution ended {status:?}: {error:?}");
    }
    Ok((elapsed, invocations))
}

/// Wall times (ms) of `reps` runs after one warm-up run; and invocations per run.
fn measure(
    runtime: &Runtime,
    function: &str,
    input: &str,
    reps: usize,
) -> anyhow::Result<(Vec<f64>, u32)> {
    let (_, invocations) = run_once(runtime, function, input)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        times.push(ms(run_once(runtime, function, input)?.0));
    }
    Ok((times, invocations))
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

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let root = root();
    let machine = machine();
    let official: Value = match &args.official {
        Some(path) => serde_json::from_str(
            &std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?,
        )?,
        None => json!({}),
    };
    let official_ms = |name: &str| official["median_ms"][name].as_f64();

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

    let reps = |w: &Workload| {
        if args.quick {
            w.quick_reps
        } else {
            w.full_reps
        }
    };
    let mut durabox_ms = Map::new();
    let mut durabox_spread = Map::new();
    let mut invocations = Map::new();
    for w in WORKLOADS {
        let started = Instant::now();
        let (times, count) = measure(&runtime, w.function, w.input, reps(w))?;
        let (mean, p90) = spread(&times);
        let median = median(times);
        eprintln!(
            "durabox {}: {median:.2} ms median of {} (mean {mean:.2}, p90 {p90:.2}; {count} invocations, {:.1?})",
            w.name,
            reps(w),
            started.elapsed()
        );
        durabox_ms.insert(w.name.into(), json!(round(median, 3)));
        durabox_spread.insert(
            w.name.into(),
            json!({ "mean_ms": round(mean, 3), "p90_ms": round(p90, 3) }),
        );
        invocations.insert(w.name.into(), json!(count));
    }
    let lang_reps = if args.quick { 10 } else { 50 };
    for (name, function, loaded) in [
        ("quickstart_python", "quickstart_python", &python),
        ("quickstart_js", "quickstart_js", &js),
    ] {
        if loaded.is_some() {
            let (times, count) = measure(&runtime, function, QUICKSTART_INPUT, lang_reps)?;
            let (mean, p90) = spread(&times);
            let median = median(times);
            eprintln!(
                "durabox {name}: {median:.2} ms median of {lang_reps} (mean {mean:.2}, p90 {p90:.2}; {count} invocations)"
            );
            durabox_ms.insert(name.into(), json!(round(median, 3)));
            durabox_spread.insert(
                name.into(),
                json!({ "mean_ms": round(mean, 3), "p90_ms": round(p90, 3) }),
            );
            invocations.insert(name.into(), json!(count));
        } else {
            durabox_ms.insert(name.into(), Value::Null);
        }
    }
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
        big_times.push(ms(run_once(
            &runtime,
            "bench",
            r#"{"workload":"steps","n":10000}"#,
        )?
        .0));
    }
    let big_ms = median(big_times);
    eprintln!(
        "durabox 10,000 steps: {big_ms:.1} ms median of {big_reps} (first, cold: {:.1} ms), peak RSS {:?} MiB (before {:?} MiB)",
        ms(big),
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

    let mut ratios = Map::new();
    for w in WORKLOADS {
        ratios.insert(
            format!("{}_rust_vs_pyt", w.name),
            ratio(official_ms(w.name), d(w.name)),
        );
    }
    for lang in ["python", "js"] {
        ratios.insert(
            format!("quickstart_{lang}_vs_pyt"),
            ratio(official_ms("quickstart"), d(&format!("quickstart_{lang}"))),
        );
    }
    let r = |k: &str| ratios.get(k).and_then(Value::as_f64);
    let goal = |value: Option<f64>, target: f64| match value {
        Some(v) => json!({ "value": v, "target": target, "met": v >= target }),
        None => json!({ "value": null, "target": target, "met": null }),
    };
    let goals = json!({
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
        "official_runner": {
            "package": "aws-durable-execution-sdk-python-testing==1.4.0",
            "python": official["python"],
            "repetitions": official["repetitions"],
            "median_ms": official["median_ms"],
        },
        "durabox": {
            "profile": "dev (dependencies and the durabox crate at opt-level 2)",
            "median_ms": durabox_ms,
            "spread": durabox_spread,
            "invocations": invocations,
        },
        "ratios": ratios,
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
            "first_run_ms": round(ms(big), 1),
            "invocations": big_invocations,
            "peak_rss_mib": mib(hwm),
            "rss_before_mib": mib(rss_before),
            "peak_reset": reset,
        },
        "scaling": scaling,
        "rss_mib_after": rss_mib,
        "goals": goals,
    });

    print_table(&results);
    if let Some(out) = &args.out {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(out, serde_json::to_string_pretty(&results)? + "\n")?;
        println!("\nresults: {}", out.display());
    }
    Ok(())
}

fn print_table(results: &Value) {
    let fmt = |v: &Value, digits: usize| match v.as_f64() {
        Some(x) => format!("{x:.digits$}"),
        None => "-".into(),
    };
    let m = &results["machine"];
    println!(
        "\nmachine: {} cores, {}, {} GiB, load average {} at start, {} at end{}",
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memory_gib"],
        m["loadavg_at_start"].as_str().unwrap_or("?"),
        results["loadavg_at_end"].as_str().unwrap_or("?"),
        if results["quick"] == json!(true) {
            " (--quick)"
        } else {
            ""
        }
    );
    println!(
        "\n{:<22} {:>14} {:>12} {:>9}",
        "workload", "official (ms)", "durabox (ms)", "ratio"
    );
    let rows = [
        ("quickstart", "quickstart", "quickstart_rust_vs_pyt"),
        ("empty", "empty", "empty_rust_vs_pyt"),
        ("steps100", "steps100", "steps100_rust_vs_pyt"),
        ("steps1000", "steps1000", "steps1000_rust_vs_pyt"),
        (
            "steps100_waits5",
            "steps100_waits5",
            "steps100_waits5_rust_vs_pyt",
        ),
        ("map100", "map100", "map100_rust_vs_pyt"),
        ("steps5000", "steps5000", "steps5000_rust_vs_pyt"),
        (
            "quickstart (python)",
            "quickstart_python",
            "quickstart_python_vs_pyt",
        ),
        ("quickstart (js)", "quickstart_js", "quickstart_js_vs_pyt"),
    ];
    for (label, key, ratio) in rows {
        let official_key = if key.starts_with("quickstart") {
            "quickstart"
        } else {
            key
        };
        println!(
            "{:<22} {:>14} {:>12} {:>8}x",
            label,
            fmt(&results["official_runner"]["median_ms"][official_key], 1),
            fmt(&results["durabox"]["median_ms"][key], 2),
            fmt(&results["ratios"][ratio], 1),
        );
    }
    let e = &results["executions_per_second"];
    println!(
        "\nquickstart executions/s (durabox, rust): {} with 2 workers, {} with 1",
        fmt(&e["quickstart_rust"], 0),
        fmt(&e["quickstart_rust_1_worker"], 0)
    );
    let i = &results["invocation_us"];
    println!(
        "fresh instantiate+call, quickstart first invocation (µs): rust {}, python {}, js {}; empty rust handler {}",
        fmt(&i["rust"], 1),
        fmt(&i["python"], 1),
        fmt(&i["js"], 1),
        fmt(&results["invocation_us_empty_handler"]["rust"], 1)
    );
    let o = &results["ops10000"];
    println!(
        "10,000 steps in one execution: {} ms (first, cold run {} ms), peak RSS {} MiB (RSS before {} MiB)",
        fmt(&o["ms"], 1),
        fmt(&o["first_run_ms"], 1),
        fmt(&o["peak_rss_mib"], 1),
        fmt(&o["rss_before_mib"], 1)
    );
    let s = &results["scaling"];
    println!(
        "growth (steps 100/1000/5000/10000): durabox ms {:?}, µs/step {:?}; exponent 1000->5000: durabox {}, official {}; 5000->10000: durabox {}",
        s["durabox_ms"]
            .as_array()
            .map(|a| a.iter().map(|v| fmt(v, 1)).collect::<Vec<_>>()),
        s["durabox_us_per_step"]
            .as_array()
            .map(|a| a.iter().map(|v| fmt(v, 1)).collect::<Vec<_>>()),
        fmt(&s["durabox_exponent_1000_to_5000"], 2),
        fmt(&s["official_exponent_1000_to_5000"], 2),
        fmt(&s["durabox_exponent_5000_to_10000"], 2),
    );
    println!("\ngoals:");
    if let Some(goals) = results["goals"].as_object() {
        for (name, g) in goals {
            let met = match g["met"].as_bool() {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "n/a (guest missing)",
            };
            println!(
                "  {name:<40} {:>10} (target >= {}) {met}",
                fmt(&g["value"], 1),
                g["target"]
            );
        }
    }
}
