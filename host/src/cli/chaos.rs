//! `durabox run --chaos` (crash at every checkpoint) and `durabox run --shuffle-branches N`
//! (map/parallel branches in seeded random orders): report what changes the outcome.

use std::process::ExitCode;
use std::sync::Arc;

use durabox::runner::chaos::{crash_at_every_checkpoint, shuffle_branch_order, trial_of, Trial};
use durabox::runner::StartOptions;
use durabox::service::{ChaosPlan, ExecutionCell};

/// How `durabox run` runs one execution to its end: the execution, and whether it settled.
pub type Run<'a> = dyn Fn(StartOptions) -> anyhow::Result<(Arc<ExecutionCell>, bool)> + 'a;

/// One trial through `run` under `plan`.
fn trial(run: &Run<'_>, options: &StartOptions, plan: ChaosPlan) -> anyhow::Result<Trial> {
    let options = StartOptions {
        execution_name: None,
        chaos: Some(plan),
        ..options.clone()
    };
    let (cell, settled) = run(options)?;
    let execution = cell.lock();
    anyhow::ensure!(
        settled && execution.status.is_terminal(),
        "chaos testing needs executions that finish: a trial did not (answer its callbacks \
         with --callback, or raise --timeout)"
    );
    Ok(trial_of(&execution))
}

/// Crash at every checkpoint; exit 1 if any crash point changes the outcome.
pub fn crash_points(run: &Run<'_>, options: StartOptions, json: bool) -> anyhow::Result<ExitCode> {
    let report = crash_at_every_checkpoint(|plan| trial(run, &options, plan))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(exit(report.all_same()));
    }
    let header = format!(
        "chaos: {} checkpoints in the uninterrupted run; crashing right after each:",
        report.checkpoints.len()
    );
    let rows = report.points.iter().map(|p| {
        (
            format!("{:>3}. after {}", p.index, p.after),
            &p.differences[..],
        )
    });
    print_verdicts(&header, rows, "crash points");
    Ok(exit(report.all_same()))
}

/// Runs in `runs` seeded branch orders; exit 1 if any order changes the outcome.
pub fn shuffled(
    run: &Run<'_>,
    options: StartOptions,
    seed: u64,
    runs: u32,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let report = shuffle_branch_order(|plan| trial(run, &options, plan), seed, runs)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(exit(report.all_same()));
    }
    let header =
        format!("shuffled branches: {runs} runs, map/parallel branches in a seeded random order:");
    let rows = report
        .runs
        .iter()
        .map(|r| (format!("seed {}", r.seed), &r.differences[..]));
    print_verdicts(&header, rows, "orders");
    Ok(exit(report.all_same()))
}

/// One line per trial (`label: same outcome` or `label: CHANGED: …`), then a count.
fn print_verdicts<'a>(
    header: &str,
    rows: impl Iterator<Item = (String, &'a [String])>,
    noun: &str,
) {
    println!("{header}");
    let (mut kept, mut total) = (0, 0);
    for (label, differences) in rows {
        total += 1;
        if differences.is_empty() {
            kept += 1;
            println!("  {label}: same outcome");
        } else {
            println!("  {label}: CHANGED: {}", differences.join("; "));
        }
    }
    println!("{kept} of {total} {noun} keep the outcome");
}

fn exit(all_same: bool) -> ExitCode {
    ExitCode::from(if all_same { 0 } else { 1 })
}
