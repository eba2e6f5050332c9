//! One driver thread per running execution: it invokes the handler whenever the
//! service says work is due, fires the execution's timers, and ends once it is terminal.

use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

use super::runtime::{RegisteredFunction, Runtime};
use crate::sandbox::InvocationReport;
use crate::service::execution::InvocationRecord;
use crate::service::{Execution, ExecutionCell, InvocationOutcome, TimerKind};

/// How long a driver waits before retrying a change the store refused.
pub(super) const STORE_RETRY: Duration = Duration::from_millis(500);

/// How often an idle execution looks for chained-invoke children that did not start or
/// ended without telling it (another server ran them, or a start was refused).
const CHILDREN_CHECK: Duration = Duration::from_secs(2);

/// Invokes the handler whenever the execution needs it, fires its timers, and returns
/// once it is terminal.
pub(super) fn drive(runtime: &Runtime, cell: &Arc<ExecutionCell>, function: &RegisteredFunction) {
    let inner = &runtime.inner;
    let mut idle_since = (0u64, Instant::now());
    let mut children_checked = Instant::now();
    // Resumed: children a crash kept from starting start now, and those that ended
    // without telling this execution tell it.
    runtime.start_pending_children(cell);
    runtime.collect_finished_children(cell);
    loop {
        let Some(request_id) = next_invocation(
            runtime,
            cell,
            function,
            &mut idle_since,
            &mut children_checked,
        ) else {
            return;
        };
        cell.notify();
        let report = inner.sandbox.invoke(
            &function.loaded,
            cell,
            &function.config.limits,
            &function.config.env,
            function.config.strict_determinism,
        );
        if let Some(dir) = &inner.logs_dir {
            append_logs(dir, cell, function, &request_id, &report);
        }
        let finished = cell.update(|execution| record_invocation(execution, &request_id, report));
        match finished {
            Ok(()) => runtime.start_pending_children(cell),
            Err(_) => {
                // Its end could not be stored: the invocation counts as lost and runs again.
                cell.lock().abandon_invocation();
                std::thread::sleep(STORE_RETRY);
            }
        }
    }
}

/// Appends the invocation's guest logs to the logs folder (a failure is only warned of).
fn append_logs(
    dir: &std::path::Path,
    cell: &ExecutionCell,
    function: &RegisteredFunction,
    request_id: &str,
    report: &InvocationReport,
) {
    let arn = cell.lock().arn.clone();
    let written = super::log_capture::append(
        dir,
        &function.name,
        &arn,
        request_id,
        &report.logs,
        &report.stdout,
    );
    if let Err(e) = written {
        tracing::warn!("cannot write guest logs to {}: {e}", dir.display());
    }
}

/// Records the invocation's output and ends it with its outcome.
fn record_invocation(execution: &mut Execution, request_id: &str, report: InvocationReport) {
    let error = match &report.outcome {
        InvocationOutcome::Crashed(e) | InvocationOutcome::Fatal(e) => Some(e.clone()),
        _ => None,
    };
    execution.invocations.push(InvocationRecord {
        request_id: request_id.to_owned(),
        stdout: report.stdout,
        stderr: report.stderr,
        logs: report.logs,
        warnings: report.warnings,
        fuel_consumed: report.fuel_consumed,
        error,
    });
    execution.finish_invocation(request_id, report.outcome);
}

/// Waits until the execution needs an invocation, firing its timers meanwhile, and
/// begins one; None once the execution is terminal.
fn next_invocation(
    runtime: &Runtime,
    cell: &Arc<ExecutionCell>,
    function: &RegisteredFunction,
    idle_since: &mut (u64, Instant),
    children_checked: &mut Instant,
) -> Option<String> {
    let mut execution = cell.lock();
    loop {
        if cell.is_lost() {
            // Another server sharing the store drives it now.
            let arn = execution.arn.clone();
            drop(execution);
            runtime.service().forget(&arn, cell);
            return None;
        }
        if execution.status.is_terminal() {
            finished(runtime, cell, execution);
            return None;
        }
        if execution.schedule.needs_invocation && !execution.paused {
            if execution.invocation_count() >= function.config.max_invocations {
                let limit = function.config.max_invocations;
                execution.fail(crate::model::ErrorObject::new(
                    "Execution.TooManyInvocations",
                    format!("The execution needed more than {limit} invocations (max_invocations)"),
                ));
                execution = commit_or_pause(cell, execution);
                continue;
            }
            // Not committed on its own: a crash before the invocation's first commit
            // finds it not running and invokes again, as it would a running one.
            return Some(execution.begin_invocation());
        }
        if execution.complete_due_timers() {
            execution = commit_or_pause(cell, execution);
            continue;
        }
        if execution.awaits_children() && children_checked.elapsed() >= CHILDREN_CHECK {
            *children_checked = Instant::now();
            drop(execution);
            runtime.start_pending_children(cell);
            runtime.collect_finished_children(cell);
            execution = cell.lock();
            continue;
        }
        let Some(wait) = idle_wait(
            &mut execution,
            runtime.inner.timeout_grace,
            idle_since,
            *children_checked,
        ) else {
            continue;
        };
        execution = cell.wait(execution, wait.max(Duration::from_millis(1)));
    }
}

/// The execution ended: its parent (if a chained invoke) hears of it, and with a shared
/// store it is forgotten here (every server reads finished executions from the store,
/// so a delete made on any of them is seen by all).
fn finished(runtime: &Runtime, cell: &Arc<ExecutionCell>, execution: MutexGuard<'_, Execution>) {
    let parent = execution.parent.clone();
    let outcome = (
        execution.status,
        execution.result.clone(),
        execution.error.clone(),
    );
    let arn = execution.arn.clone();
    drop(execution);
    cell.notify();
    if let Some(parent) = parent {
        runtime.complete_parent(&parent, outcome);
    }
    if cell.store().is_some_and(|store| store.owner().is_some()) {
        runtime.service().forget(&arn, cell);
    }
}

/// How long an idle execution waits for its next timer (or a change). None when skipped
/// time moved the clock instead: look again at once.
fn idle_wait(
    execution: &mut Execution,
    timeout_grace: Duration,
    idle_since: &mut (u64, Instant),
    children_checked: Instant,
) -> Option<Duration> {
    if execution.version != idle_since.0 {
        *idle_since = (execution.version, Instant::now());
    }
    let skip = execution
        .clock
        .skips_time()
        .then(|| execution.skip_target())
        .flatten();
    let wait = match skip.or_else(|| execution.next_timer()) {
        Some((at, kind)) if skip.is_some() => {
            let idle = idle_since.1.elapsed();
            if kind == TimerKind::Progress || idle >= timeout_grace {
                // Committed with the timer it reaches: a crash before then only
                // skips the same time again.
                execution.clock.advance_to(at);
                return None;
            }
            timeout_grace - idle
        }
        Some((at, _)) => Duration::from_millis(execution.clock.real_delay_until(at) as u64),
        None => Duration::from_secs(1),
    };
    Some(if execution.awaits_children() {
        wait.min(CHILDREN_CHECK.saturating_sub(children_checked.elapsed()))
    } else {
        wait
    })
}

/// Commits the driver's own change; when the store refuses it (and the change is
/// undone), waits a moment before the driver tries again.
fn commit_or_pause<'a>(
    cell: &'a ExecutionCell,
    mut execution: std::sync::MutexGuard<'a, Execution>,
) -> std::sync::MutexGuard<'a, Execution> {
    match cell.commit(&mut execution) {
        Ok(()) => execution,
        Err(_) => cell.wait(execution, STORE_RETRY),
    }
}
