//! `durabox run --chaos` (crash at every checkpoint) and `durabox run --shuffle-branches N`
//! (map/parallel branches in seeded random orders): report what changes the outcome.

use std::process::ExitCode;
use std::sync::Arc;

use durabox::runner::chaos::{crash_at_every_checkpoint, shuffle_branch_order, Trial};
use durabox::runner::StartOptions;
use durabox::service::{ChaosPlan, ExecutionCell};
use durabox::ExecutionResult;

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
    let checkpoints = execution
        .chaos
        .as_ref()
        .map(|plan| plan.history.clone())
        .unwrap_or_default();
    Ok((ExecutionResult::snapshot(&execution), checkpoints))
}

/// Crash at every checkpoint; exit 1 if any crash point changes the outcome.
pub fn crash_points(run: &Run<'_>, options: StartOptions, json: bool) -> anyhow::Result<ExitCode> {
    let report = crash_at_every_checkpoint(|plan| trial(run, &options, plan))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(exit(report.all_same()));
    }
    println!(
        "chaos: {} checkpoints in the uninterrupted run; crashing right after each:",
        report.checkpoints.len()
    );
    for point in &report.points {
        println!(
            "  {:>3}. after {}: {}",
            point.index,
            point.after,
            verdict(&point.differences)
        );
    }
    let kept = report
        .points
        .iter()
        .filter(|p| p.differences.is_empty())
        .count();
    println!(
        "{kept} of {} crash points keep the outcome",
        report.points.len()
    );
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
    println!("shuffled branches: {runs} runs, map/parallel branches in a seeded random order:");
    for shuffled in &report.runs {
        println!(
            "  seed {}: {}",
            shuffled.seed,
            verdict(&shuffled.differences)
        );
    }
    let kept = report
        .runs
        .iter()
        .filter(|r| r.differences.is_empty())
        .count();
    println!("{kept} of {} orders keep the outcome", report.runs.len());
    Ok(exit(report.all_same()))
}

fn verdict(differences: &[String]) -> String {
    if differences.is_empty() {
        "same outcome".to_owned()
    } else {
        format!("CHANGED: {}", differences.join("; "))
    }
}

fn exit(all_same: bool) -> ExitCode {
    ExitCode::from(if all_same { 0 } else { 1 })
}
