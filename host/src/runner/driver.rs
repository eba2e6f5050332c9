//! One driver per running execution: it invokes the handler whenever the service says
//! work is due, fires the execution's timers, and ends once it is terminal. It runs on a
//! driver thread, or first on the thread of a caller that waits for the execution anyway
//! ([`Runtime::start_and_run`](super::Runtime::start_and_run)) until the execution goes idle.

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

/// What a driver does once the execution has nothing to do until something happens
/// (a timer in real time, a callback, a child execution).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum WhenIdle {
    /// Wait for it: a driver thread, which drives the execution to its end.
    Wait,
    /// Return: a caller's thread, which hands the rest to a driver thread.
    Return,
}

/// How driving stopped.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Stopped {
    /// The execution is terminal (or another server drives it now).
    Ended,
    /// The execution is idle ([`WhenIdle::Return`] only).
    Idle,
}

/// Invokes the handler whenever the execution needs it and fires its timers, until it
/// is terminal (or, with [`WhenIdle::Return`], idle).
pub(super) fn drive(
    runtime: &Runtime,
    cell: &Arc<ExecutionCell>,
    function: &RegisteredFunction,
    when_idle: WhenIdle,
) -> Stopped {
    let inner = &runtime.inner;
    let mut idle = Idle {
        since: (0, Instant::now()),
        children_checked: Instant::now(),
        when: when_idle,
    };
    // Resumed: children a crash kept from starting start now, and those that ended
    // without telling this execution tell it.
    runtime.start_pending_children(cell);
    runtime.collect_finished_children(cell);
    loop {
        let request_id = match next_invocation(runtime, cell, function, &mut idle) {
            Next::Invoke(request_id) => request_id,
            Next::Stop(stopped) => return stopped,
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

/// A driver's idle bookkeeping.
struct Idle {
    /// The execution's version when it was last seen changed, and when.
    since: (u64, Instant),
    /// When chained-invoke children were last looked for.
    children_checked: Instant,
    when: WhenIdle,
}

/// What the driver does next.
enum Next {
    /// Run the invocation with this request id.
    Invoke(String),
    Stop(Stopped),
}

/// Waits until the execution needs an invocation, firing its timers meanwhile, and
/// begins one.
fn next_invocation(
    runtime: &Runtime,
    cell: &Arc<ExecutionCell>,
    function: &RegisteredFunction,
    idle: &mut Idle,
) -> Next {
    let mut execution = cell.lock();
    loop {
        if cell.is_lost() {
            // Another server sharing the store drives it now.
            let arn = execution.arn.clone();
            drop(execution);
            runtime.service().forget(&arn, cell);
            return Next::Stop(Stopped::Ended);
        }
        if execution.status.is_terminal() {
            finished(runtime, cell, execution);
            return Next::Stop(Stopped::Ended);
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
            return Next::Invoke(execution.begin_invocation());
        }
        if execution.complete_due_timers() {
            execution = commit_or_pause(cell, execution);
            continue;
        }
        if execution.awaits_children() && idle.children_checked.elapsed() >= CHILDREN_CHECK {
            idle.children_checked = Instant::now();
            drop(execution);
            runtime.start_pending_children(cell);
            runtime.collect_finished_children(cell);
            execution = cell.lock();
            continue;
        }
        let Some(wait) = idle_wait(&mut execution, runtime.inner.timeout_grace, idle) else {
            continue;
        };
        if idle.when == WhenIdle::Return {
            return Next::Stop(Stopped::Idle);
        }
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
    idle: &mut Idle,
) -> Option<Duration> {
    if execution.version != idle.since.0 {
        idle.since = (execution.version, Instant::now());
    }
    let skip = execution
        .clock
        .skips_time()
        .then(|| execution.skip_target())
        .flatten();
    let wait = match skip.or_else(|| execution.next_timer()) {
        Some((at, kind)) if skip.is_some() => {
            let idle_for = idle.since.1.elapsed();
            if kind == TimerKind::Progress || idle_for >= timeout_grace {
                // Committed with the timer it reaches: a crash before then only
                // skips the same time again.
                execution.clock.advance_to(at);
                return None;
            }
            timeout_grace - idle_for
        }
        Some((at, _)) => Duration::from_millis(execution.clock.real_delay_until(at) as u64),
        None => Duration::from_secs(1),
    };
    Some(if execution.awaits_children() {
        wait.min(CHILDREN_CHECK.saturating_sub(idle.children_checked.elapsed()))
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
