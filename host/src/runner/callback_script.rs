//! Scripted callback answers: what a test (or `durabox run --callback`) says to each
//! callback by name, given once the callback is pending, and a driver that runs an
//! execution to its end answering them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::runtime::{Runtime, RuntimeError, StartOptions};
use crate::model::ErrorObject;
use crate::service::{ExecutionCell, PendingCallback};

/// One scripted answer.
#[derive(Clone, Debug, PartialEq)]
pub enum CallbackAction {
    /// SendDurableExecutionCallbackSuccess with this JSON result (None: no result).
    Succeed(Option<String>),
    /// SendDurableExecutionCallbackFailure with this error.
    Fail(ErrorObject),
    /// A heartbeat; the callback stays pending for the next action.
    Heartbeat,
}

/// Answers still to give, in order, by callback name (`*` answers any callback).
#[derive(Clone, Debug, Default)]
pub struct CallbackScript(Vec<(String, CallbackAction)>);

impl CallbackScript {
    /// Adds an answer for the callback named `name` (`*`: any), after those already given.
    pub fn push(&mut self, name: impl Into<String>, action: CallbackAction) {
        self.0.push((name.into(), action));
    }

    /// Takes the first answer for the oldest pending callback that has one.
    pub(crate) fn next_for(
        &mut self,
        pending: &[PendingCallback],
    ) -> Option<(String, CallbackAction)> {
        pending.iter().find_map(|callback| {
            let at = self.0.iter().position(|(name, _)| {
                name == "*" || callback.name.as_deref() == Some(name.as_str())
            })?;
            Some((callback.callback_id.clone(), self.0.remove(at).1))
        })
    }

    /// Answers every pending callback the script has an answer for; returns how many.
    pub(crate) fn answer_pending(
        &mut self,
        runtime: &Runtime,
        cell: &ExecutionCell,
    ) -> Result<usize, RuntimeError> {
        let mut sent = 0;
        loop {
            let pending = cell.lock().pending_callbacks();
            let Some((callback_id, action)) = self.next_for(&pending) else {
                return Ok(sent);
            };
            send(runtime, &callback_id, action)?;
            sent += 1;
        }
    }
}

/// Sends one answer to the service.
pub(crate) fn send(
    runtime: &Runtime,
    callback_id: &str,
    action: CallbackAction,
) -> Result<(), RuntimeError> {
    let service = runtime.service();
    match action {
        CallbackAction::Succeed(result) => service.send_callback_success(callback_id, result)?,
        CallbackAction::Fail(error) => service.send_callback_failure(callback_id, error)?,
        CallbackAction::Heartbeat => service.send_callback_heartbeat(callback_id)?,
    }
    Ok(())
}

/// Starts an execution and drives it to its end, answering callbacks from `script` once
/// each is pending and no invocation runs. Stops early when the execution waits only for
/// callbacks the script does not answer, or after `timeout`; returns the execution and
/// whether it settled (ended or stuck on a callback) before the timeout.
pub fn run_to_end(
    runtime: &Runtime,
    function: &str,
    input: &str,
    options: StartOptions,
    mut script: CallbackScript,
    timeout: Duration,
) -> Result<(Arc<ExecutionCell>, bool), RuntimeError> {
    let arn = runtime.start_and_run(function, input, options)?;
    let cell = runtime.service().get(&arn)?;
    let deadline = Instant::now() + timeout;
    loop {
        let mut answerable = None;
        let settled = runtime.wait_until(
            &cell,
            deadline.saturating_duration_since(Instant::now()),
            |e| {
                answerable = (!e.schedule.invocation_running)
                    .then(|| script.next_for(&e.pending_callbacks()))
                    .flatten();
                answerable.is_some()
                    || (e.status.is_terminal() && !e.schedule.invocation_running)
                    || e.waits_only_for_callbacks()
            },
        );
        match answerable {
            Some((callback_id, action)) if settled => send(runtime, &callback_id, action)?,
            _ => return Ok((cell, settled)),
        }
    }
}
