//! results.json, assembled from everything measured.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::args::Args;
use crate::stats::{idle, round, AnchorStats, Measured};

/// What the official runners said of themselves, once ended.
pub(crate) struct Runners {
    /// The Python runner's interpreter version.
    pub(crate) python_version: Option<Value>,
    /// The JS runner's ready message.
    pub(crate) js_ready: Option<Value>,
    /// Without the JS runner, why.
    pub(crate) js_absent: Option<String>,
}

/// The measurements after the workloads.
pub(crate) struct Extra {
    pub(crate) rss_mib: Map<String, Value>,
    pub(crate) eps1: f64,
    pub(crate) eps2: f64,
    pub(crate) window: Duration,
    pub(crate) inv: Map<String, Value>,
    pub(crate) empty_us: f64,
    pub(crate) big_ms: f64,
    pub(crate) ops10000: Value,
}

/// The whole of results.json.
pub(crate) fn assemble(
    args: &Args,
    machine: Value,
    m: Measured,
    runners: Runners,
    extra: Extra,
) -> Value {
    let scaling = scaling(&m, extra.big_ms);
    let goals = goals(&m, extra.eps2);
    let (py, js_stats) = (&m.python, &m.js);
    json!({
        "quick": args.quick,
        "machine": machine,
        "loadavg_at_end": crate::measure::loadavg(),
        "sampling": "per workload: one warm-up execution on every side, then rounds of one execution per official runner (Python, then JS) followed by durabox executions, each followed by one on the do-nothing host; the JS runner takes part in the first official_runner_js.repetitions rounds only; ratios and cpu_ratios (Python) and ratios_js and cpu_ratios_js (JS) compare the official runner's median with the median of durabox's per-round medians of the rounds it took part in (as many samples on both sides); vs_limit compares all durabox executions with all do-nothing-host ones",
        "official_runner": official_runner(py, runners.python_version),
        "official_runner_js": official_runner_js(js_stats, runners.js_ready, runners.js_absent),
        "limit": limit_section(&m),
        "durabox": durabox_section(&m),
        "ratios": py.ratios,
        "cpu_ratios": py.cpu_ratios,
        "ratios_js": js_stats.ratios,
        "cpu_ratios_js": js_stats.cpu_ratios,
        "vs_limit": m.vs_limit,
        "vs_limit_cpu": m.vs_limit_cpu,
        "executions_per_second": {
            "quickstart_rust": round(extra.eps2, 0),
            "quickstart_rust_1_worker": round(extra.eps1, 0),
            "workers": 2,
            "window_seconds": extra.window.as_secs(),
        },
        "invocation_us": extra.inv,
        "invocation_us_empty_handler": { "rust": extra.empty_us },
        "ops10000": extra.ops10000,
        "scaling": scaling,
        "rss_mib_after": extra.rss_mib,
        "goals": goals,
    })
}

/// The `limit` section: the do-nothing host.
fn limit_section(m: &Measured) -> Value {
    json!({
        "what": "do-nothing host: the same Rust component on durabox's engine (same Config and pooling allocator, fuel and epoch deadline per store, a default WASI), every durable call answered at once (no service, history, replay engine, driver thread or lock), as many invocations per execution as durabox made",
        "made_of": "wall = CPU work (instantiation and the guest's own code); it never waits",
        "median_ms": m.limit_ms,
        "median_cpu_ms": m.limit_cpu_ms,
        "median_idle_ms": idle(&m.limit_ms, &m.limit_cpu_ms),
    })
}

/// The `durabox` section.
fn durabox_section(m: &Measured) -> Value {
    json!({
        "profile": "dev (dependencies and the durabox crate at opt-level 2)",
        "made_of": "wall = CPU work on the caller's thread, and on a driver thread once one takes over (cpu_ms, the whole process) + hand-off waits between them (idle_ms; negative when both threads ran at once)",
        "median_ms": m.durabox_ms,
        "median_cpu_ms": m.durabox_cpu_ms,
        "median_idle_ms": idle(&m.durabox_ms, &m.durabox_cpu_ms),
        "spread": m.durabox_spread,
        "invocations": m.invocations,
    })
}

/// The `official_runner` section: AWS's Python testing runner.
fn official_runner(py: &AnchorStats, python_version: Option<Value>) -> Value {
    json!({
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
    })
}

/// The `official_runner_js` section: AWS's JS testing runner.
fn official_runner_js(
    js_stats: &AnchorStats,
    js_ready: Option<Value>,
    js_absent: Option<String>,
) -> Value {
    json!({
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
    })
}

/// The `scaling` section: growth with the number of operations.
fn scaling(m: &Measured, big_ms: f64) -> Value {
    let official_ms = |name: &str| m.python.median_ms.get(name).and_then(Value::as_f64);
    let js_ms = |name: &str| m.js.median_ms.get(name).and_then(Value::as_f64);
    let d = |name: &str| m.durabox_ms.get(name).and_then(Value::as_f64);
    let sizes = [100u64, 1000, 5000, 10000];
    let growth_ms = [d("steps100"), d("steps1000"), d("steps5000"), Some(big_ms)];
    let exponent = |a: Option<f64>, b: Option<f64>, na: u64, nb: u64| match (a, b) {
        (Some(a), Some(b)) => json!(round((b / a).ln() / (nb as f64 / na as f64).ln(), 2)),
        _ => Value::Null,
    };
    json!({
        "steps": sizes,
        "durabox_ms": growth_ms,
        "durabox_us_per_step": sizes.iter().zip(growth_ms).map(|(n, t)| t.map(|t| round(t * 1000.0 / *n as f64, 2))).collect::<Vec<_>>(),
        "durabox_exponent_1000_to_5000": exponent(d("steps1000"), d("steps5000"), 1000, 5000),
        "durabox_exponent_5000_to_10000": exponent(d("steps5000"), Some(big_ms), 5000, 10000),
        "official_ms": [official_ms("steps100"), official_ms("steps1000"), official_ms("steps5000"), None::<f64>],
        "official_exponent_1000_to_5000": exponent(official_ms("steps1000"), official_ms("steps5000"), 1000, 5000),
        "official_js_ms": [js_ms("steps100"), js_ms("steps1000"), js_ms("steps5000"), None::<f64>],
        "official_js_exponent_1000_to_5000": exponent(js_ms("steps1000"), js_ms("steps5000"), 1000, 5000),
    })
}

/// The `goals` section: issue 12's targets and whether they were met.
fn goals(m: &Measured, eps2: f64) -> Value {
    let (py, vs_limit) = (&m.python, &m.vs_limit);
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
    json!({
        "vs_limit_quickstart_rust": at_most(get(vs_limit, "quickstart_rust"), 1.5),
        "vs_limit_steps1000_rust": at_most(get(vs_limit, "steps1000_rust"), 2.0),
        "cpu_ratio_quickstart_rust_vs_pyt": goal(get(&py.cpu_ratios, "quickstart_rust_vs_pyt"), 50.0),
        "executions_per_second_quickstart_rust_6000": goal(Some(round(eps2, 0)), 6000.0),
        "quickstart_rust_vs_pyt": goal(r("quickstart_rust_vs_pyt"), 100.0),
        "steps100_waits5_rust_vs_pyt": goal(r("steps100_waits5_rust_vs_pyt"), 100.0),
        "steps1000_rust_vs_pyt": goal(r("steps1000_rust_vs_pyt"), 200.0),
        "quickstart_python_vs_pyt": goal(r("quickstart_python_vs_pyt"), 10.0),
        "executions_per_second_quickstart_rust": goal(Some(round(eps2, 0)), 2000.0),
    })
}
