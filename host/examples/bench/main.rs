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

mod args;
mod interleave;
mod limit;
mod measure;
mod official;
mod report;
mod results;
mod stats;
mod workloads;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions};
use durabox::sandbox::LoadedFunction;
use serde_json::{json, Map, Value};

use args::Args;
use interleave::{run_once, Anchor, Side};
use limit::LimitHost;
use measure::{invocation_us, proc_status_kib, throughput};
use official::Official;
use results::{Extra, Runners};
pub(crate) use stats::median;
use stats::{round, Measured};
use workloads::{Workload, QUICKSTART_INPUT, WORKLOADS};

pub(crate) const TIMEOUT: Duration = Duration::from_secs(600);

fn main() -> anyhow::Result<()> {
    let args = args::parse_args()?;
    let root = args::root();
    let machine = measure::machine();
    let guests = Guests::load(&args, &root)?;
    let mut anchors = Anchors::start(&args, &root)?;
    let measured = measure_workloads(&args, &root, &guests, &mut anchors)?;
    let runners = anchors.finish();
    let extra = measure_extra(&args, &guests)?;
    let results = results::assemble(&args, machine, measured, runners, extra);

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

/// The runtime and the guests registered with it.
struct Guests {
    runtime: Runtime,
    rust_quickstart: LoadedFunction,
    rust_bench: LoadedFunction,
    python: Option<LoadedFunction>,
    js: Option<LoadedFunction>,
    /// The process's RSS once they are loaded, in MiB.
    rss_after_load: Option<f64>,
}

/// A guest component built by `cargo xtask build-guests`.
fn guest(root: &Path, lang: &str, name: &str) -> PathBuf {
    root.join(format!("target/guests/{lang}/{name}.wasm"))
}

impl Guests {
    fn load(args: &Args, root: &Path) -> anyhow::Result<Self> {
        let runtime = Runtime::new(RuntimeOptions {
            cache_dir: Some(
                args.cache_dir
                    .clone()
                    .unwrap_or_else(|| root.join("target/durabox-cache")),
            ),
            ..RuntimeOptions::default()
        })?;
        let register = |name: &str, path: &Path| register(&runtime, name, path);
        let rust_quickstart = register("quickstart", &guest(root, "rust", "quickstart"))?
            .context("target/guests/rust/quickstart.wasm is missing: cargo xtask build-guests")?;
        let rust_bench = register("bench", &guest(root, "rust", "bench"))?
            .context("target/guests/rust/bench.wasm is missing: cargo xtask build-guests")?;
        let python = register("quickstart_python", &guest(root, "python", "quickstart"))?;
        let js = register("quickstart_js", &guest(root, "js", "quickstart"))?;
        let rss_after_load = proc_status_kib("VmRSS:").map(|k| round(k as f64 / 1024.0, 1));
        eprintln!("durabox RSS after loading the guests: {rss_after_load:?} MiB");
        Ok(Self {
            runtime,
            rust_quickstart,
            rust_bench,
            python,
            js,
            rss_after_load,
        })
    }
}

/// Registers the component at `path` as `name`; None when it was not built.
fn register(runtime: &Runtime, name: &str, path: &Path) -> anyhow::Result<Option<LoadedFunction>> {
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
}

/// The official runners (child processes), when they run.
struct Anchors {
    official: Option<Official>,
    official_js: Option<Official>,
    /// Without the JS runner, why (results.json says so).
    js_absent: Option<String>,
}

impl Anchors {
    fn start(args: &Args, root: &Path) -> anyhow::Result<Self> {
        let official = match &args.python {
            Some(python) => {
                let script = root.join("tests/bench/official.py");
                Some(Official::python(python, &script)?)
            }
            None => {
                eprintln!("bench: no --python: the official Python runner is not measured");
                None
            }
        };
        let mut js_absent = None;
        let official_js = match &args.js_runner {
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
                js_absent =
                    Some("no --js-runner (node or npm missing, or not asked for)".to_owned());
                None
            }
        };
        Ok(Self {
            official,
            official_js,
            js_absent,
        })
    }

    /// Ends the runners, keeping what they said of themselves.
    fn finish(self) -> Runners {
        let python_version = self.official.as_ref().map(|o| o.ready["python"].clone());
        drop(self.official);
        let js_ready = self.official_js.as_ref().map(|o| o.ready.clone());
        drop(self.official_js);
        Runners {
            python_version,
            js_ready,
            js_absent: self.js_absent,
        }
    }
}

/// Every workload, interleaved with the anchors and the do-nothing host.
fn measure_workloads(
    args: &Args,
    root: &Path,
    guests: &Guests,
    anchors: &mut Anchors,
) -> anyhow::Result<Measured> {
    // The do-nothing host on durabox's own engine, for every Rust workload.
    let engine = guests.runtime.sandbox().engine();
    let load_limit = |name: &str| {
        LimitHost::load(engine, &guest(root, "rust", name))
            .map_err(|e| anyhow::anyhow!("do-nothing host, {name}: {e:?}"))
    };
    let (limit_quickstart, limit_bench) = (load_limit("quickstart")?, load_limit("bench")?);
    let mut m = Measured::default();
    for w in WORKLOADS {
        let started = Instant::now();
        let limit = if w.function == "quickstart" {
            &limit_quickstart
        } else {
            &limit_bench
        };
        measure_workload(args, guests, anchors, w, limit, &mut m)?;
        eprintln!("bench: {} measured in {:.1?}", w.name, started.elapsed());
    }
    Ok(m)
}

/// One workload: its durabox sides (and the other languages' quickstarts) against the
/// anchors.
fn measure_workload(
    args: &Args,
    guests: &Guests,
    anchors: &mut Anchors,
    w: &Workload,
    limit: &LimitHost,
    m: &mut Measured,
) -> anyhow::Result<()> {
    let (reps, rounds, js_rounds) = if args.quick {
        (w.quick_reps, w.official_quick, w.js_quick)
    } else {
        (w.full_reps, w.official_full, w.js_full)
    };
    let sides = sides(args, guests, w, reps, limit, m);
    let mut runners = Vec::new();
    if let Some(runner) = anchors.official.as_mut() {
        runners.push(Anchor {
            runner,
            warm_up: w.name,
            rounds,
        });
    }
    let python_measured = !runners.is_empty();
    if let Some(runner) = anchors.official_js.as_mut() {
        runners.push(Anchor {
            runner,
            warm_up: w.js_warm_up,
            rounds: js_rounds.min(rounds),
        });
    }
    let (anchor_results, results) =
        interleave::measure_workload(&guests.runtime, &mut runners, w.name, rounds, &sides)?;
    let mut anchor_results = anchor_results.into_iter();
    if python_measured {
        let r = anchor_results.next().expect("one result per anchor");
        m.python.workload("official", w.name, w.name, &r);
    }
    if anchors.official_js.is_some() {
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
    Ok(())
}

/// The durabox sides of a workload: the Rust one, and for the quickstart the other
/// languages' (a missing guest is recorded as not measured).
fn sides<'a>(
    args: &Args,
    guests: &Guests,
    w: &'a Workload,
    reps: usize,
    limit: &'a LimitHost,
    m: &mut Measured,
) -> Vec<Side<'a>> {
    let lang_reps = if args.quick { 10 } else { 50 };
    let mut sides = vec![Side {
        key: w.name.into(),
        function: w.function,
        input: w.input,
        reps,
        limit: Some(limit),
    }];
    if w.name == "quickstart" {
        for (key, loaded) in [
            ("quickstart_python", &guests.python),
            ("quickstart_js", &guests.js),
        ] {
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
    sides
}

/// Resident memory after each phase (a growth here is memory kept across executions).
struct RssLog(Map<String, Value>);

impl RssLog {
    fn note(&mut self, phase: &str) {
        let mib = proc_status_kib("VmRSS:").map(|k| round(k as f64 / 1024.0, 1));
        eprintln!("durabox RSS after {phase}: {mib:?} MiB");
        self.0.insert(phase.into(), json!(mib));
    }
}

/// Throughput, fresh invocations and a 10,000-operation execution, after the workloads.
fn measure_extra(args: &Args, guests: &Guests) -> anyhow::Result<Extra> {
    let runtime = &guests.runtime;
    let mut rss = RssLog(Map::new());
    rss.0
        .insert("loading the guests".into(), json!(guests.rss_after_load));
    rss.note("workloads");
    // Executions per second, two workers (and one, for reference).
    let window = Duration::from_secs(if args.quick { 3 } else { 10 });
    let eps2 = throughput(runtime, "quickstart", QUICKSTART_INPUT, 2, window)?;
    let eps1 = throughput(runtime, "quickstart", QUICKSTART_INPUT, 1, window)?;
    eprintln!("durabox quickstart executions/s: {eps2:.0} (2 workers), {eps1:.0} (1 worker)");

    rss.note("throughput");
    let (inv, empty_us) = invocations(args, guests)?;

    rss.note("invocation loops");
    let (big_ms, ops10000) = ops10000(args, runtime)?;
    Ok(Extra {
        rss_mib: rss.0,
        eps1,
        eps2,
        window,
        inv,
        empty_us,
        big_ms,
        ops10000,
    })
}

/// Fresh instantiate + call, per language: the quickstart's first invocation (up to its
/// wait: 4 steps and a child context checkpointed), and the empty handler.
fn invocations(args: &Args, guests: &Guests) -> anyhow::Result<(Map<String, Value>, f64)> {
    let runtime = &guests.runtime;
    let invoke_reps = if args.quick { 50 } else { 300 };
    let mut inv = Map::new();
    for (lang, loaded) in [
        ("rust", Some(&guests.rust_quickstart)),
        ("python", guests.python.as_ref()),
        ("js", guests.js.as_ref()),
    ] {
        let us = match loaded {
            Some(l) => Some(round(
                invocation_us(runtime, l, QUICKSTART_INPUT, invoke_reps)?,
                1,
            )),
            None => None,
        };
        inv.insert(lang.into(), json!(us));
    }
    let empty_us = round(
        invocation_us(
            runtime,
            &guests.rust_bench,
            r#"{"workload":"empty"}"#,
            invoke_reps,
        )?,
        1,
    );
    eprintln!("durabox invocation µs: {inv:?}, empty rust handler {empty_us}");
    Ok((inv, empty_us))
}

/// A 10,000-operation execution: time and the process's peak RSS during it. Writing 5
/// to /proc/self/clear_refs resets VmHWM to the current RSS (Linux >= 4.0). Returns the
/// median warm time and the `ops10000` section.
fn ops10000(args: &Args, runtime: &Runtime) -> anyhow::Result<(f64, Value)> {
    let rss_before = proc_status_kib("VmRSS:");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (big, big_invocations) = run_once(runtime, "bench", r#"{"workload":"steps","n":10000}"#)?;
    let hwm = proc_status_kib("VmHWM:");
    let mib = |k: Option<u64>| k.map(|k| round(k as f64 / 1024.0, 1));
    // The first run above is cold (fresh pages); the time is the median of warm runs.
    let big_reps = if args.quick { 3 } else { 5 };
    let mut big_times = Vec::with_capacity(big_reps);
    for _ in 0..big_reps {
        big_times.push(
            run_once(runtime, "bench", r#"{"workload":"steps","n":10000}"#)?
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
    let section = json!({
        "ms": round(big_ms, 1),
        "repetitions": big_reps,
        "first_run_ms": round(big.wall, 1),
        "invocations": big_invocations,
        "peak_rss_mib": mib(hwm),
        "rss_before_mib": mib(rss_before),
        "peak_reset": reset,
    });
    Ok((big_ms, section))
}
