//! Processors of STEP, CONTEXT, WAIT and CALLBACK updates: each updates its operation
//! and records the history event AWS records for it.

use crate::model::{
    CallbackDetails, ContextDetails, EventDetails, EventError, EventPayload, EventType, Millis,
    OperationAction as Action, OperationStatus as Status, OperationUpdate, RetryDetails,
    WaitDetails,
};
use crate::service::clock;
use crate::service::execution::{CallbackTimer, Execution};

impl Execution {
    pub(super) fn apply_step(&mut self, mut update: OperationUpdate, now: Millis) -> usize {
        if update.action == Action::Start {
            return self.start_step(update, now);
        }
        let status = match update.action {
            Action::Succeed => Status::Succeeded,
            Action::Fail => Status::Failed,
            _ => Status::Pending,
        };
        let delay = update
            .step_options
            .as_ref()
            .map(|o| o.next_attempt_delay_seconds);
        let i = self.upsert(&mut update, status, now);
        let starts = self.start_count(i);
        let op = self.operation_at_mut(i);
        let details = op.step_details.get_or_insert_with(Default::default);
        details.attempt += 1;
        details.result = update.payload.take();
        details.error = update.error.take();
        details.next_attempt_timestamp = match (status, delay) {
            (Status::Pending, Some(delay)) => Some(clock::after_seconds(now, delay)),
            _ => None,
        };
        let attempt = details.attempt;
        let current_attempt = if starts > 0 { starts } else { attempt };
        let error = details.error.clone();
        let result = match error {
            Some(_) => None,
            None => details.result.clone(),
        };
        let (event_type, details) =
            step_end_event(update.action, result, error, delay, current_attempt);
        self.push_op_event(i, event_type, details, now);
        i
    }

    /// A STEP attempt starts: the previous attempt's outcome is cleared.
    fn start_step(&mut self, mut update: OperationUpdate, now: Millis) -> usize {
        let i = self.upsert(&mut update, Status::Started, now);
        self.set_start_count(i, self.start_count(i) + 1);
        let op = self.operation_at_mut(i);
        let details = op.step_details.get_or_insert_with(Default::default);
        details.result = None;
        details.error = None;
        details.next_attempt_timestamp = None;
        self.push_op_event(i, EventType::StepStarted, EventDetails::Empty, now);
        i
    }

    pub(super) fn apply_context(&mut self, mut update: OperationUpdate, now: Millis) -> usize {
        let (status, event_type, details) = match update.action {
            Action::Start => (
                Status::Started,
                EventType::ContextStarted,
                EventDetails::Empty,
            ),
            Action::Succeed => {
                let result = Some(EventPayload::new(update.payload.clone()));
                let d = EventDetails::Succeeded { result };
                (Status::Succeeded, EventType::ContextSucceeded, d)
            }
            _ => {
                let error = Some(EventError::new(update.error.clone().unwrap_or_default()));
                let d = EventDetails::Failed { error };
                (Status::Failed, EventType::ContextFailed, d)
            }
        };
        let i = self.upsert(&mut update, status, now);
        if update.action != Action::Start {
            self.operation_at_mut(i).context_details = Some(Box::new(ContextDetails {
                replay_children: update
                    .context_options
                    .as_ref()
                    .is_some_and(|o| o.replay_children),
                result: update.payload.take(),
                error: update.error.take(),
            }));
        }
        self.push_op_event(i, event_type, details, now);
        i
    }

    pub(super) fn apply_wait(&mut self, mut update: OperationUpdate, now: Millis) -> usize {
        if update.action == Action::Start {
            let secs = update.wait_options.as_ref().map_or(0, |o| o.wait_seconds);
            let end = clock::after_seconds(now, secs);
            let i = self.upsert(&mut update, Status::Started, now);
            self.operation_at_mut(i).wait_details = Some(Box::new(WaitDetails {
                scheduled_end_timestamp: end,
            }));
            let d = EventDetails::WaitStarted {
                duration: secs,
                scheduled_end_timestamp: end,
            };
            self.push_op_event(i, EventType::WaitStarted, d, now);
            i
        } else {
            let i = self.upsert(&mut update, Status::Cancelled, now);
            let d = EventDetails::Failed {
                error: update.error.take().map(EventError::new),
            };
            self.push_op_event(i, EventType::WaitCancelled, d, now);
            i
        }
    }

    pub(super) fn apply_callback(&mut self, mut update: OperationUpdate, now: Millis) -> usize {
        let options = update.callback_options.take().unwrap_or_default();
        let callback_id = self.mint_callback_id(&update.id);
        let id = update.id.clone();
        let i = self.upsert(&mut update, Status::Started, now);
        self.operation_at_mut(i).callback_details = Some(Box::new(CallbackDetails {
            callback_id: callback_id.clone(),
            ..CallbackDetails::default()
        }));
        self.callback_ids.insert(callback_id.clone(), id.clone());
        // The guest may hand the id out at once: it must survive a crash first.
        self.require_durable();
        self.callback_timers.insert(
            id,
            CallbackTimer::new(
                now,
                options.timeout_seconds,
                options.heartbeat_timeout_seconds,
            ),
        );
        let set = |seconds: u64| (seconds > 0).then_some(seconds);
        let d = EventDetails::CallbackStarted {
            callback_id,
            heartbeat_timeout: set(options.heartbeat_timeout_seconds),
            timeout: set(options.timeout_seconds),
        };
        self.push_op_event(i, EventType::CallbackStarted, d, now);
        i
    }
}

/// The event ending a STEP attempt: StepFailed with the error or StepSucceeded with the
/// result (a RETRY with a payload too), and RetryDetails counting the STARTs.
fn step_end_event(
    action: Action,
    result: Option<String>,
    error: Option<crate::model::ErrorObject>,
    delay: Option<u64>,
    current_attempt: u32,
) -> (EventType, EventDetails) {
    let retry_details = RetryDetails {
        current_attempt,
        next_attempt_delay_seconds: match (action, delay) {
            (Action::Retry, Some(delay)) => Some(delay),
            // A final failure: no next attempt (AWS records a delay of 0).
            (Action::Fail, _) => Some(0),
            _ => None,
        },
    };
    match error {
        Some(error) => (
            EventType::StepFailed,
            EventDetails::StepFailed {
                error: EventError::new(error),
                retry_details,
            },
        ),
        None => (
            EventType::StepSucceeded,
            EventDetails::StepSucceeded {
                result: EventPayload::new(result),
                retry_details,
            },
        ),
    }
}
