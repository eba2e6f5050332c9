//! Processors of STEP, CONTEXT, WAIT and CALLBACK updates: each updates its operation
//! and records the history event AWS records for it.

use crate::model::{
    CallbackDetails, ContextDetails, EventDetails, EventError, EventPayload, EventType,
    OperationAction as Action, OperationStatus as Status, OperationUpdate, RetryDetails,
    StepDetails, WaitDetails,
};
use crate::service::clock;
use crate::service::execution::{CallbackTimer, Execution};

impl Execution {
    pub(super) fn apply_step(&mut self, update: &OperationUpdate, now: i64) {
        if update.action == Action::Start {
            self.start_step(update, now);
            return;
        }
        let id = update.id.as_str();
        let status = match update.action {
            Action::Succeed => Status::Succeeded,
            Action::Fail => Status::Failed,
            _ => Status::Pending,
        };
        let delay = update
            .step_options
            .as_ref()
            .map(|o| o.next_attempt_delay_seconds);
        let op = self.upsert(update, status, now);
        let details = op.step_details.get_or_insert_with(StepDetails::default);
        details.attempt += 1;
        details.result = update.payload.clone();
        details.error = update.error.clone();
        details.next_attempt_timestamp = match (status, delay) {
            (Status::Pending, Some(delay)) => Some(clock::after_seconds(now, delay)),
            _ => None,
        };
        let attempt = details.attempt;
        let starts = self.start_counts.get(id).copied().unwrap_or(0);
        let current_attempt = if starts > 0 { starts } else { attempt };
        let (event_type, details) = step_end_event(update, delay, current_attempt);
        self.push_op_event(id, event_type, details, now);
    }

    /// A STEP attempt starts: the previous attempt's outcome is cleared.
    fn start_step(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        *self.start_counts.entry(id.to_owned()).or_insert(0) += 1;
        let op = self.upsert(update, Status::Started, now);
        let details = op.step_details.get_or_insert_with(StepDetails::default);
        details.result = None;
        details.error = None;
        details.next_attempt_timestamp = None;
        self.push_op_event(id, EventType::StepStarted, EventDetails::Empty, now);
    }

    pub(super) fn apply_context(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
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
        let op = self.upsert(update, status, now);
        if update.action != Action::Start {
            op.context_details = Some(ContextDetails {
                replay_children: update
                    .context_options
                    .as_ref()
                    .is_some_and(|o| o.replay_children),
                result: update.payload.clone(),
                error: update.error.clone(),
            });
        }
        self.push_op_event(id, event_type, details, now);
    }

    pub(super) fn apply_wait(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        if update.action == Action::Start {
            let secs = update.wait_options.as_ref().map_or(0, |o| o.wait_seconds);
            let end = clock::after_seconds(now, secs);
            let op = self.upsert(update, Status::Started, now);
            op.wait_details = Some(WaitDetails {
                scheduled_end_timestamp: end,
            });
            let d = EventDetails::WaitStarted {
                duration: secs,
                scheduled_end_timestamp: end,
            };
            self.push_op_event(id, EventType::WaitStarted, d, now);
        } else {
            self.upsert(update, Status::Cancelled, now);
            let d = EventDetails::Failed {
                error: update.error.clone().map(EventError::new),
            };
            self.push_op_event(id, EventType::WaitCancelled, d, now);
        }
    }

    pub(super) fn apply_callback(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        let options = update.callback_options.clone().unwrap_or_default();
        let callback_id = self.mint_callback_id(id);
        let op = self.upsert(update, Status::Started, now);
        op.callback_details = Some(CallbackDetails {
            callback_id: callback_id.clone(),
            ..CallbackDetails::default()
        });
        self.callback_ids.insert(callback_id.clone(), id.to_owned());
        // The guest may hand the id out at once: it must survive a crash first.
        self.require_durable();
        self.callback_timers.insert(
            id.to_owned(),
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
        self.push_op_event(id, EventType::CallbackStarted, d, now);
    }
}

/// The event ending a STEP attempt: StepFailed with the error or StepSucceeded with the
/// result (a RETRY with a payload too), and RetryDetails counting the STARTs.
fn step_end_event(
    update: &OperationUpdate,
    delay: Option<u64>,
    current_attempt: u32,
) -> (EventType, EventDetails) {
    let retry_details = RetryDetails {
        current_attempt,
        next_attempt_delay_seconds: match (update.action, delay) {
            (Action::Retry, Some(delay)) => Some(delay),
            // A final failure: no next attempt (AWS records a delay of 0).
            (Action::Fail, _) => Some(0),
            _ => None,
        },
    };
    match &update.error {
        Some(error) => (
            EventType::StepFailed,
            EventDetails::StepFailed {
                error: EventError::new(error.clone()),
                retry_details,
            },
        ),
        None => (
            EventType::StepSucceeded,
            EventDetails::StepSucceeded {
                result: EventPayload::new(update.payload.clone()),
                retry_details,
            },
        ),
    }
}
