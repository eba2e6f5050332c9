//! Manual time for tests: run an execution until it is idle, inspect it, advance its
//! clock by a duration. Every timer passed on the way (waits, retries, callback and
//! heartbeat timeouts, the execution timeout) fires at its own instant, and the handler
//! runs in between, so timers it creates meanwhile fire in order too.

use std::time::{Duration, Instant};

use super::runtime::{Runtime, RuntimeError};
use crate::model::Millis;
use crate::service::{Execution, ExecutionCell};

/// Nothing will happen until time moves or a callback is answered.
fn idle(execution: &Execution) -> bool {
    !execution.schedule.invocation_running
        && (execution.status.is_terminal() || !execution.schedule.needs_invocation)
}

impl Runtime {
    /// Blocks until the execution is idle: ended, or suspended with no invocation due.
    pub fn wait_until_idle(&self, arn: &str, timeout: Duration) -> Result<(), RuntimeError> {
        let cell = self.service().get(arn)?;
        self.idle_or_timeout(&cell, timeout)
    }

    fn idle_or_timeout(&self, cell: &ExecutionCell, timeout: Duration) -> Result<(), RuntimeError> {
        if self.wait_until(cell, timeout, idle) {
            return Ok(());
        }
        let message = format!("Execution did not become idle within {timeout:?}");
        Err(RuntimeError::Timeout(message))
    }

    /// Advances a manual clock by `by`, firing each timer that falls due on the way at
    /// its instant and letting the handler run before the next one. Returns once the
    /// execution is idle again at the new time. `timeout` bounds each wait for idleness.
    pub fn advance_clock(
        &self,
        arn: &str,
        by: Duration,
        timeout: Duration,
    ) -> Result<(), RuntimeError> {
        let cell = self.service().get(arn)?;
        if !cell.lock().clock.is_manual() {
            return Err(RuntimeError::InvalidInput(
                "the execution's clock is not manual (start it with a manual clock)".into(),
            ));
        }
        let deadline = Instant::now() + timeout;
        self.idle_or_timeout(&cell, timeout)?;
        let target = {
            let by = Millis::try_from(by.as_millis()).unwrap_or(Millis::MAX);
            cell.lock().clock.now().saturating_add(by)
        };
        loop {
            let reached = cell.update(|execution| step_towards(execution, target))?;
            cell.notify();
            let left = deadline.saturating_duration_since(Instant::now());
            self.idle_or_timeout(&cell, left)?;
            if reached {
                return Ok(());
            }
        }
    }
}

/// Moves the clock to the next timer due by `target` and fires it, or to `target` when
/// none is; true once the clock stands at `target` (or the execution ended).
fn step_towards(execution: &mut Execution, target: Millis) -> bool {
    if execution.status.is_terminal() {
        return true;
    }
    let now = execution.clock.now();
    let next = execution
        .next_timer()
        .map(|(at, _)| at.max(now))
        .filter(|at| *at <= target);
    match next {
        Some(at) => {
            execution.clock.advance_to(at);
            let fired = execution.complete_due_timers();
            if !fired && !execution.status.is_terminal() && at == now {
                // A timer that cannot fire (e.g. a paused execution): move on.
                execution.clock.advance_to(target);
                execution.complete_due_timers();
                return true;
            }
            false
        }
        None => {
            execution.clock.advance_to(target);
            execution.complete_due_timers();
            true
        }
    }
}
