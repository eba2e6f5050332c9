//! Interleaved samples: for one workload, one warm-up execution on every side (each
//! official runner, each durabox guest, the do-nothing host), then rounds of one execution
//! per official runner (Python, then JS) followed by durabox executions, each followed by
//! a do-nothing-host execution. Every side sees the machine in the same state, round after
//! round.

use std::time::{Duration, Instant};

use anyhow::bail;
use durabox::runner::{Runtime, StartOptions};
use durabox::ExecutionStatus;

use crate::limit::LimitHost;
use crate::official::{Official, Sample};
use crate::TIMEOUT;

/// Pause between an execution's end and the reading of the process's CPU time (counted
/// in neither its wall nor its CPU time).
const SETTLE: Duration = Duration::from_micros(300);

/// CPU time of this whole process so far (every thread, user + system).
pub fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Wall and CPU milliseconds of one execution.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub wall: f64,
    pub cpu: f64,
}

impl Timing {
    fn of(wall: Duration, cpu: Duration) -> Self {
        Self {
            wall: wall.as_secs_f64() * 1e3,
            cpu: cpu.as_secs_f64() * 1e3,
        }
    }
}

/// Runs one durabox execution to the end and deletes it: wall and process CPU time from
/// `start_and_run` to `wait_for_completion` returning, and the number of invocations.
pub fn run_once(runtime: &Runtime, function: &str, input: &str) -> anyhow::Result<(Timing, u32)> {
    let cpu = process_cpu();
    let started = Instant::now();
    let mut timing = None;
    let invocations = run_to_end(runtime, function, input, || {
        let wall = started.elapsed();
        // A driver thread's CPU time (if one took over) is only brought up to date when
        // it stops running (or at a scheduler tick): let it finish and block first.
        std::thread::sleep(SETTLE);
        timing = Some(Timing::of(wall, process_cpu() - cpu));
    })?;
    Ok((timing.expect("measured at the end"), invocations))
}

/// Runs one durabox execution to the end, calls `at_end` as soon as it ended, then checks
/// it succeeded and deletes it; returns its number of invocations.
pub fn run_to_end(
    runtime: &Runtime,
    function: &str,
    input: &str,
    at_end: impl FnOnce(),
) -> anyhow::Result<u32> {
    let arn = runtime.start_and_run(function, input, StartOptions::default())?;
    let cell = runtime.wait_for_completion(&arn, TIMEOUT)?;
    at_end();
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
    Ok(invocations)
}

fn run_limit(limit: &LimitHost, input: &str, invocations: u32) -> anyhow::Result<Timing> {
    let cpu = process_cpu();
    let wall = limit
        .execution(input, invocations)
        .map_err(|e| anyhow::anyhow!("do-nothing host, {input}: {e:?}"))?;
    Ok(Timing::of(wall, process_cpu() - cpu))
}

/// One durabox guest measured in a workload's rounds.
pub struct Side<'a> {
    /// Key in results.json (`quickstart`, `quickstart_python`, `steps1000`...).
    pub key: String,
    pub function: &'a str,
    pub input: &'a str,
    /// durabox executions in all (spread over the rounds, at least one per round).
    pub reps: usize,
    /// The same component on the do-nothing host, when measured.
    pub limit: Option<&'a LimitHost>,
}

/// What one side measured.
#[derive(Default)]
pub struct SideResult {
    pub durabox: Vec<Timing>,
    /// Per round, the median of the round's durabox executions: as many samples as an
    /// official runner's (the first ones for a runner in fewer rounds).
    pub per_round: Vec<Timing>,
    pub limit: Vec<Timing>,
    pub invocations: u32,
}

fn median_timing(times: &[Timing]) -> Timing {
    Timing {
        wall: crate::median(times.iter().map(|t| t.wall).collect()),
        cpu: crate::median(times.iter().map(|t| t.cpu).collect()),
    }
}

/// An official runner taking part in a workload's rounds.
pub struct Anchor<'a> {
    pub runner: &'a mut Official,
    /// The workload its warm-up execution runs (usually the measured one itself).
    pub warm_up: &'a str,
    /// The first `rounds` rounds get one of its executions each; 0: it sits out.
    pub rounds: usize,
}

/// What an official runner measured in a workload: its samples, or why it stopped.
#[derive(Default)]
pub struct AnchorResult {
    pub samples: Vec<Sample>,
    pub error: Option<String>,
}

impl AnchorResult {
    fn take(&mut self, workload: &str, label: &str, sample: Result<Sample, String>) -> bool {
        match sample {
            Ok(sample) => {
                self.samples.push(sample);
                true
            }
            Err(error) => {
                eprintln!("bench: {label} could not run {workload}: {error}");
                self.error = Some(error);
                false
            }
        }
    }
}

/// Measures one workload on every side, interleaved; returns each official runner's
/// samples and each side's results. In every round, each runner still taking part runs
/// one execution, then the durabox sides theirs.
pub fn measure_workload(
    runtime: &Runtime,
    anchors: &mut [Anchor<'_>],
    workload: &str,
    rounds: usize,
    sides: &[Side<'_>],
) -> anyhow::Result<(Vec<AnchorResult>, Vec<SideResult>)> {
    let rounds = rounds.max(1);
    let mut anchor_results: Vec<AnchorResult> =
        anchors.iter().map(|_| AnchorResult::default()).collect();
    // Warm-up: one execution on every side, none of them kept.
    for (anchor, result) in anchors.iter_mut().zip(&mut anchor_results) {
        if anchor.rounds > 0 {
            if let Err(error) = anchor.runner.sample(anchor.warm_up) {
                result.take(anchor.warm_up, anchor.runner.label, Err(error));
            }
        }
    }
    let mut results = Vec::with_capacity(sides.len());
    for side in sides {
        let (_, invocations) = run_once(runtime, side.function, side.input)?;
        if let Some(limit) = side.limit {
            run_limit(limit, side.input, invocations)?;
        }
        results.push(SideResult {
            invocations,
            ..SideResult::default()
        });
    }
    for round in 0..rounds {
        for (anchor, result) in anchors.iter_mut().zip(&mut anchor_results) {
            if round < anchor.rounds && result.error.is_none() {
                let sample = anchor.runner.sample(workload);
                result.take(workload, anchor.runner.label, sample);
            }
        }
        for (side, result) in sides.iter().zip(&mut results) {
            let n = (side.reps * (round + 1) / rounds - side.reps * round / rounds).max(1);
            let mut this_round = Vec::with_capacity(n);
            for _ in 0..n {
                let (timing, _) = run_once(runtime, side.function, side.input)?;
                this_round.push(timing);
                if let Some(limit) = side.limit {
                    result
                        .limit
                        .push(run_limit(limit, side.input, result.invocations)?);
                }
            }
            result.per_round.push(median_timing(&this_round));
            result.durabox.extend(this_round);
        }
    }
    Ok((anchor_results, results))
}
