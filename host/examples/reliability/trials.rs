//! The trials: throughput, load, SIGKILL, a locked database, a full disk, and a long
//! handler under each store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{json, Value};

use crate::server::{self, accepted, await_all, fire, refusals, Server};

pub const QUICKSTART_INPUT: &str = "\"input str\"";
const SETTLE: Duration = Duration::from_secs(600);

/// Where the trials find the binary, the guests and a scratch folder.
pub struct Setup {
    pub durabox: PathBuf,
    pub guests: PathBuf,
    pub scratch: PathBuf,
}

impl Setup {
    pub fn quickstart(&self, lang: &str) -> Vec<(&'static str, PathBuf)> {
        vec![("quickstart", self.guests.join(lang).join("quickstart.wasm"))]
    }

    /// A fresh SQLite store spec in the scratch folder.
    pub fn sqlite(&self, name: &str) -> (String, PathBuf) {
        let dir = self.scratch.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        let db = dir.join("executions.db");
        (format!("sqlite:{}", db.display()), db)
    }
}

/// Completed synchronous quickstart Invokes per second, `clients` callers back to back.
pub fn throughput(
    setup: &Setup,
    store: &str,
    clients: usize,
    window: Duration,
) -> anyhow::Result<Value> {
    let server = Server::start(&setup.durabox, store, &setup.quickstart("rust"))?;
    let (done, failed, stop) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (done, failed, stop) = (done.clone(), failed.clone(), stop.clone());
            let base = server.base.clone();
            std::thread::spawn(move || {
                let agent = server::agent();
                while !stop.load(Ordering::Relaxed) {
                    let ok = server::invoke_sync(&agent, &base, "quickstart", QUICKSTART_INPUT);
                    let counter = if ok { &done } else { &failed };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(window);
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        let _ = handle.join();
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "store": store.split(':').next(),
        "clients": clients,
        "succeeded": done.load(Ordering::Relaxed),
        "failed": failed.load(Ordering::Relaxed),
        "executions_per_second": (done.load(Ordering::Relaxed) as f64 / seconds).round(),
    }))
}

/// `count` quickstart executions started at once (asynchronous Invokes) and waited for.
pub fn load(setup: &Setup, lang: &str, count: usize) -> anyhow::Result<Value> {
    let (store, _) = setup.sqlite(&format!("load-{lang}-{count}"));
    let server = Server::start(&setup.durabox, &store, &setup.quickstart(lang))?;
    let started = Instant::now();
    let invoked = fire(&server.base, "quickstart", QUICKSTART_INPUT, count, 16);
    let fired = started.elapsed().as_secs_f64();
    let arns = accepted(&invoked);
    let statuses = await_all(&server.base, &arns, SETTLE)?;
    Ok(json!({
        "language": lang,
        "executions": count,
        "accepted": arns.len(),
        "refused": refusals(&invoked),
        "final_status": statuses,
        "seconds_to_accept_all": round(fired),
        "seconds_to_finish_all": round(started.elapsed().as_secs_f64()),
    }))
}

/// SIGKILLs the server at a random moment while `count` executions are being started
/// and run, restarts it on the same file, and checks every accepted execution ends.
pub fn crash_trial(setup: &Setup, trial: u32, count: usize) -> anyhow::Result<Value> {
    let (store, _) = setup.sqlite(&format!("crash-{trial}"));
    let functions = setup.quickstart("rust");
    let mut server = Server::start(&setup.durabox, &store, &functions)?;
    let base = server.base.clone();
    let firing = std::thread::spawn(move || fire(&base, "quickstart", QUICKSTART_INPUT, count, 8));
    let kill_after = Duration::from_millis(fastrand::u64(20..250));
    std::thread::sleep(kill_after);
    server.kill();
    let invoked = firing.join().expect("firing thread");
    let arns = accepted(&invoked);
    let server = Server::start(&setup.durabox, &store, &functions)?;
    let statuses = await_all(&server.base, &arns, SETTLE)?;
    let succeeded = statuses.get("SUCCEEDED").copied().unwrap_or(0);
    Ok(json!({
        "trial": trial,
        "killed_after_ms": kill_after.as_millis() as u64,
        "accepted_before_kill": arns.len(),
        "unanswered": invoked.len() - arns.len(),
        "final_status": statuses,
        "lost": arns.len() - succeeded,
    }))
}

/// Another process holds the database's write lock for `hold` while executions start.
pub fn lock_trial(setup: &Setup, count: usize, hold: Duration) -> anyhow::Result<Value> {
    let (store, db) = setup.sqlite("lock");
    let server = Server::start(&setup.durabox, &store, &setup.quickstart("rust"))?;
    let locker = std::thread::spawn(move || -> anyhow::Result<()> {
        std::thread::sleep(Duration::from_millis(100));
        let other = rusqlite::Connection::open(&db)?;
        other.execute_batch("BEGIN EXCLUSIVE")?;
        std::thread::sleep(hold);
        other.execute_batch("ROLLBACK")?;
        Ok(())
    });
    let started = Instant::now();
    let invoked = fire(&server.base, "quickstart", QUICKSTART_INPUT, count, 8);
    let fired = started.elapsed().as_secs_f64();
    locker.join().expect("locker thread")?;
    let arns = accepted(&invoked);
    let statuses = await_all(&server.base, &arns, SETTLE)?;
    Ok(json!({
        "lock_held_seconds": hold.as_secs_f64(),
        "executions": count,
        "accepted": arns.len(),
        "refused": refusals(&invoked),
        "seconds_to_answer_all": round(fired),
        "final_status_of_accepted": statuses,
        "lost": arns.len() - statuses.get("SUCCEEDED").copied().unwrap_or(0),
    }))
}

/// The store on a tmpfs of `size`: executions start until the disk is full; then the
/// server is killed, the disk grown, the server restarted, and every accepted
/// execution must finish. Needs root (mount); skipped otherwise.
pub fn disk_full_trial(setup: &Setup, count: usize) -> anyhow::Result<Value> {
    let dir = setup.scratch.join("full");
    let _ = std::fs::create_dir_all(&dir);
    let mount = |options: &str| {
        std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !mount("size=1m") {
        return Ok(json!({ "skipped": "cannot mount a tmpfs here (needs root)" }));
    }
    let outcome = full_disk_run(setup, &dir, count, &mount);
    let _ = std::process::Command::new("umount").arg(&dir).status();
    outcome
}

fn full_disk_run(
    setup: &Setup,
    dir: &Path,
    count: usize,
    mount: &dyn Fn(&str) -> bool,
) -> anyhow::Result<Value> {
    let store = format!("sqlite:{}", dir.join("executions.db").display());
    let functions = setup.quickstart("rust");
    let mut server = Server::start(&setup.durabox, &store, &functions)?;
    let invoked = fire(&server.base, "quickstart", QUICKSTART_INPUT, count, 8);
    let arns = accepted(&invoked);
    let during = await_all(&server.base, &arns, Duration::from_secs(20))?;
    server.kill();
    if !mount("remount,size=256m") {
        bail!("cannot grow the tmpfs at {}", dir.display());
    }
    let server = Server::start(&setup.durabox, &store, &functions)?;
    let statuses = await_all(&server.base, &arns, SETTLE)?;
    Ok(json!({
        "disk_bytes": 1 << 20,
        "executions": count,
        "accepted": arns.len(),
        "refused": refusals(&invoked),
        "status_while_full": during,
        "final_status_of_accepted_after_restart": statuses,
        "lost": arns.len() - statuses.get("SUCCEEDED").copied().unwrap_or(0),
    }))
}

/// A `steps` handler run in-process under the memory store and under SQLite, `reps`
/// times each, interleaved after one warm-up run each; medians.
pub fn long_handler(setup: &Setup, steps: u32, reps: usize) -> anyhow::Result<Value> {
    use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions, StartOptions};
    use durabox::store::StoreSpec;
    let input = json!({ "workload": "steps", "n": steps }).to_string();
    let runtimes = ["memory", "sqlite"].map(|store| -> anyhow::Result<Runtime> {
        let runtime = Runtime::new(RuntimeOptions::default())?;
        let wasm = setup.guests.join("rust/bench.wasm");
        runtime.register_file("bench", &wasm, FunctionConfig::default())?;
        if store == "sqlite" {
            let (_, db) = setup.sqlite("steps");
            runtime.attach_store(StoreSpec::Sqlite(db))?;
        }
        Ok(runtime)
    });
    let [memory, sqlite] = runtimes;
    let runtimes = [memory?, sqlite?];
    let run = |runtime: &Runtime| -> anyhow::Result<f64> {
        let started = Instant::now();
        let arn = runtime.start_execution("bench", &input, StartOptions::default())?;
        let cell = runtime.wait_for_completion(&arn, SETTLE)?;
        let status = cell.lock().status;
        if status != durabox::ExecutionStatus::Succeeded {
            bail!("{steps} steps: {status:?}");
        }
        Ok(started.elapsed().as_secs_f64())
    };
    let mut seconds = [Vec::new(), Vec::new()];
    let rss_before = rss_bytes();
    for rep in 0..=reps {
        for (k, runtime) in runtimes.iter().enumerate() {
            let took = run(runtime)?;
            if rep > 0 {
                seconds[k].push(took);
            }
        }
    }
    // Every execution stays in memory (both stores keep them): the growth per step is
    // what one step holds in the host.
    let held_per_step =
        rss_bytes().saturating_sub(rss_before) as f64 / (2 * (reps + 1) * steps as usize) as f64;
    let [memory, sqlite] = seconds.map(median);
    Ok(json!({
        "steps": steps,
        "runs_each": reps,
        "memory_seconds_median": round(memory),
        "sqlite_seconds_median": round(sqlite),
        "sqlite_vs_memory": round(sqlite / memory),
        "host_bytes_held_per_step": held_per_step.round(),
    }))
}

/// This process's resident memory.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Two servers on one PostgreSQL database, `count` executions (2 s real-time waits)
/// split between them; one is SIGKILLed and the other must finish them all, every
/// timer firing once.
pub fn postgres_takeover(setup: &Setup, count: usize) -> anyhow::Result<Value> {
    let Some(database) = durabox::store::test_database("reliability") else {
        return Ok(json!({ "skipped": "DURABOX_TEST_POSTGRES is not set" }));
    };
    let functions = vec![("scenarios", setup.guests.join("rust/scenarios.wasm"))];
    let mut doomed = Server::start_with(&setup.durabox, &database.url, &functions, false)?;
    let survivor = Server::start_with(&setup.durabox, &database.url, &functions, false)?;
    let input = json!({ "scenario": "wait", "seconds": 2 }).to_string();
    let half = count / 2;
    let mut invoked = fire(&doomed.base, "scenarios", &input, half, 8);
    invoked.extend(fire(&survivor.base, "scenarios", &input, count - half, 8));
    let arns = accepted(&invoked);
    std::thread::sleep(Duration::from_millis(500));
    let killed = Instant::now();
    doomed.kill();
    let statuses = await_all(&survivor.base, &arns, SETTLE)?;
    let agent = server::agent();
    let mut timers_fired_twice = 0;
    for arn in &arns {
        let history = server::history(&agent, &survivor.base, arn)?;
        let waits = history
            .iter()
            .filter(|e| e["EventType"] == "WaitSucceeded")
            .count();
        timers_fired_twice += usize::from(waits != 1);
    }
    Ok(json!({
        "executions": count,
        "accepted": arns.len(),
        "final_status": statuses,
        "executions_with_a_timer_not_fired_exactly_once": timers_fired_twice,
        "seconds_from_kill_to_all_finished": round(killed.elapsed().as_secs_f64()),
        "lease_seconds": durabox::store::DEFAULT_LEASE.as_secs(),
    }))
}

pub fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
