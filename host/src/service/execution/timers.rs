//! Timers: waits, step retries, callback timeouts and the execution timeout, on the
//! execution's (virtual) clock.

use super::*;

impl Execution {
    /// The earliest pending timer.
    pub fn next_timer(&self) -> Option<(Millis, TimerKind)> {
        if self.status.is_terminal() {
            return None;
        }
        let progress = self
            .next_progress_timer()
            .map(|at| (at, TimerKind::Progress));
        let timeout = self
            .earliest_callback_deadline()
            .map(|at| (at, TimerKind::Timeout));
        let execution_timeout = (
            crate::service::clock::after_seconds(self.start, self.spec.execution_timeout_seconds),
            TimerKind::ExecutionTimeout,
        );
        [progress, timeout, Some(execution_timeout)]
            .into_iter()
            .flatten()
            .min_by_key(|(at, _)| *at)
    }

    /// When the earliest wait ends or step retry is due.
    fn next_progress_timer(&self) -> Option<Millis> {
        self.timed
            .iter()
            .map(|&i| &self.operations[i])
            .filter_map(|op| match (op.op_type, op.status) {
                (Type::Wait, Status::Started) => {
                    op.wait_details.as_ref().map(|d| d.scheduled_end_timestamp)
                }
                (Type::Step, Status::Pending) => op.step_details.as_ref()?.next_attempt_timestamp,
                _ => None,
            })
            .min()
    }

    /// The earliest timeout or heartbeat deadline of a pending callback.
    fn earliest_callback_deadline(&self) -> Option<Millis> {
        self.callback_timers
            .values()
            .flat_map(|t| [t.timeout_at, t.heartbeat_at])
            .flatten()
            .min()
    }

    /// Where skipped time may jump now: the next wait or retry, unless a callback
    /// deadline comes first (or at the same instant) and the clock holds at those
    /// (`service::clock`); the execution timeout when a wait or retry lies beyond it.
    /// None: only real time, or an answer, moves the execution on.
    pub fn skip_target(&self) -> Option<(Millis, TimerKind)> {
        let (at, kind) = self.next_timer()?;
        let held = self.clock.holds_callback_deadlines()
            && self.earliest_callback_deadline().is_some_and(|d| d <= at);
        match kind {
            _ if held => None,
            // Only callbacks are pending: hold, so that they can be answered.
            TimerKind::ExecutionTimeout if self.next_progress_timer().is_none() => None,
            _ => Some((at, kind)),
        }
    }

    /// Nothing can happen but an answer to a callback (or the execution timeout, or a
    /// callback deadline skipped time holds at).
    pub fn waits_only_for_callbacks(&self) -> bool {
        !self.status.is_terminal()
            && !self.schedule.invocation_running
            && !self.schedule.needs_invocation
            && self.pending_callback_id(None).is_some()
            && (matches!(self.next_timer(), Some((_, TimerKind::ExecutionTimeout)))
                || (self.clock.skips_time() && self.skip_target().is_none()))
    }

    /// Completes every timer due by now; returns whether an invocation is needed.
    pub fn complete_due_timers(&mut self) -> bool {
        let now = self.clock.now();
        self.complete_due_timers_at(now)
    }

    /// Completes every timer due by `now` (the clock's time, read by the caller).
    pub(in crate::service) fn complete_due_timers_at(&mut self, now: Millis) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        if now
            >= crate::service::clock::after_seconds(self.start, self.spec.execution_timeout_seconds)
        {
            self.time_out();
            return false;
        }
        let operations_fired = self.fire_operation_timers(now);
        let callbacks_fired = self.fire_callback_timers(now);
        let fired = operations_fired || callbacks_fired;
        if fired {
            self.schedule.needs_invocation = true;
            self.version += 1;
        }
        fired
    }

    /// The execution timeout passed: the execution ends TIMED_OUT.
    fn time_out(&mut self) {
        let seconds = self.spec.execution_timeout_seconds;
        self.finish_with_error(
            ExecutionStatus::TimedOut,
            EventType::ExecutionTimedOut,
            ErrorObject::new(
                "Execution.TimedOut",
                format!("Execution timed out after {seconds} seconds."),
            ),
        );
    }

    /// Waits that came due succeed and steps whose retry delay passed become READY;
    /// operations that no longer hold a timer leave `timed`.
    fn fire_operation_timers(&mut self, now: Millis) -> bool {
        if self.timed.is_empty() {
            return false;
        }
        let mut fired = false;
        let timed: Vec<usize> = self.timed.iter().copied().collect();
        for i in timed {
            self.mark_changed(i);
            let op = &mut self.operations[i];
            match (op.op_type, op.status) {
                (Type::Wait, Status::Started) => {
                    let end = op
                        .wait_details
                        .as_ref()
                        .map_or(Millis::MAX, |d| d.scheduled_end_timestamp);
                    if end <= now {
                        op.status = Status::Succeeded;
                        op.end_timestamp = Some(end);
                        let duration = (end - op.start_timestamp) / 1000;
                        let d = EventDetails::WaitSucceeded { duration };
                        self.push_op_event(i, EventType::WaitSucceeded, d, end);
                        self.updated_ids.push(i);
                        fired = true;
                    }
                }
                (Type::Step, Status::Pending) => {
                    let details = op.step_details.get_or_insert_with(Default::default);
                    if details.next_attempt_timestamp.is_some_and(|at| at <= now) {
                        details.next_attempt_timestamp = None;
                        op.status = Status::Ready;
                        self.updated_ids.push(i);
                        fired = true;
                    }
                }
                _ => {
                    self.timed.remove(&i);
                }
            }
            let op = &self.operations[i];
            if !matches!(
                (op.op_type, op.status),
                (Type::Wait, Status::Started) | (Type::Step, Status::Pending)
            ) {
                self.timed.remove(&i);
            }
        }
        fired
    }

    /// Callbacks past their timeout or heartbeat deadline time out (at the earlier one).
    fn fire_callback_timers(&mut self, now: Millis) -> bool {
        if self.callback_timers.is_empty() {
            return false;
        }
        let mut fired = false;
        let due: Vec<(String, Millis, bool)> = self
            .callback_timers
            .iter()
            .filter_map(|(id, t)| {
                let heartbeat = t.heartbeat_at.filter(|&at| at <= now);
                let timeout = t.timeout_at.filter(|&at| at <= now);
                match (timeout, heartbeat) {
                    (Some(a), Some(b)) => Some((id.clone(), a.min(b), b < a)),
                    (Some(a), None) => Some((id.clone(), a, false)),
                    (None, Some(b)) => Some((id.clone(), b, true)),
                    (None, None) => None,
                }
            })
            .collect();
        for (id, at, heartbeat) in due {
            let error = if heartbeat {
                ErrorObject::new("Callback.Heartbeat", "Callback timed out on heartbeat")
            } else {
                ErrorObject::new("Callback.Timeout", "Callback timed out")
            };
            self.complete_callback(&id, Status::TimedOut, None, Some(error), at);
            fired = true;
        }
        fired
    }
}
