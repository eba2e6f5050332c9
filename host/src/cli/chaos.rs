//! `durabox run --chaos`: crash at every checkpoint and report the crash points that
//! change the outcome.

use std::process::ExitCode;
use std::sync::Arc;

use durabox::runner::chaos::crash_at_every_checkpoint;
use durabox::runner::StartOptions;
use durabox::service::ExecutionCell;
use durabox::ExecutionResult;

/// Runs the trials through `run` and prints the report; exit 1 if any point differs.
pub fn report(
    run: impl Fn(StartOptions) -> anyhow::Result<(Arc<ExecutionCell>, bool)>,
    options: StartOptions,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let report = crash_at_every_checkpoint(|crash_at| {
        let options = StartOptions {
            execution_name: None,
            crash_after_checkpoint: Some(crash_at),
            ..options.clone()
        };
        let (cell, settled) = run(options)?;
        let execution = cell.lock();
        anyhow::ensure!(
            settled && execution.status.is_terminal(),
            "chaos needs executions that finish: the run with a crash after checkpoint \
             {crash_at} did not (answer its callbacks with --callback, or raise --timeout)"
        );
        let checkpoints = execution
            .crash_plan
            .as_ref()
            .map(|plan| plan.history.clone())
            .unwrap_or_default();
        Ok((ExecutionResult::snapshot(&execution), checkpoints))
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "chaos: {} checkpoints in the uninterrupted run; crashing right after each:",
            report.checkpoints.len()
        );
        for point in &report.points {
            let verdict = if point.differences.is_empty() {
                "same outcome".to_owned()
            } else {
                format!("CHANGED: {}", point.differences.join("; "))
            };
            println!("  {:>3}. after {}: {verdict}", point.index, point.after);
        }
        let changed = report
            .points
            .iter()
            .filter(|p| !p.differences.is_empty())
            .count();
        println!(
            "{} of {} crash points keep the outcome",
            report.points.len() - changed,
            report.points.len()
        );
    }
    Ok(ExitCode::from(if report.all_same() { 0 } else { 1 }))
}
