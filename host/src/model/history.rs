//! A recorded execution history read back into operations: the input of the replay
//! gate. Accepts `GetDurableExecutionHistory` as the AWS CLI, boto3 (ISO or Python
//! `str(datetime)` timestamps) and durabox (epoch seconds) print it.

use serde_json::Value;

use super::{
    CallbackDetails, ChainedInvokeDetails, ContextDetails, ErrorObject, Event, EventType, Millis,
    Operation, OperationStatus as Status, OperationType as Type, WaitDetails,
};

/// Why a history cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The text is not JSON.
    #[error("the history is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// Neither `{"Events": [...]}` nor a bare event list.
    #[error("the history has no \"Events\" list (expected GetDurableExecutionHistory output)")]
    NoEvents,
    /// One event cannot be read.
    #[error("event {index}: {reason}")]
    BadEvent {
        /// Its position in the list (0-based).
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// No event starts the execution.
    #[error("the history has no ExecutionStarted event")]
    NoStart,
}

/// How a recorded execution ended.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedEnd {
    /// SUCCEEDED, with the result payload if any.
    Succeeded(Option<String>),
    /// FAILED, TIMED_OUT or STOPPED, with the event type that ended it.
    Failed(EventType, ErrorObject),
}

/// A recorded execution: its input, its operations in the order they started, its end.
#[derive(Clone, Debug)]
pub struct RecordedHistory {
    /// The execution input; None when the history was fetched without execution data.
    pub input: Option<String>,
    /// Every operation but the EXECUTION one, in order of first event.
    pub operations: Vec<Operation>,
    /// How the execution ended; None while it was still running.
    pub end: Option<RecordedEnd>,
}

impl RecordedHistory {
    /// Parses `{"Events": [...]}` (or a bare event list), any page of which may be given
    /// in full; `NextMarker` is ignored.
    pub fn parse(text: &str) -> Result<Self, HistoryError> {
        let value: Value = serde_json::from_str(text)?;
        let events = match &value {
            Value::Array(events) => events,
            Value::Object(map) => match map.get("Events") {
                Some(Value::Array(events)) => events,
                _ => return Err(HistoryError::NoEvents),
            },
            _ => return Err(HistoryError::NoEvents),
        };
        let mut parsed = Vec::with_capacity(events.len());
        for (index, event) in events.iter().enumerate() {
            let event = Event::from_json(&normalized_timestamp(event))
                .map_err(|reason| HistoryError::BadEvent { index, reason })?;
            parsed.push(event);
        }
        parsed.sort_by_key(|e| e.event_id);
        Self::from_events(&parsed)
    }

    /// Folds events into the operations they describe.
    pub fn from_events(events: &[Event]) -> Result<Self, HistoryError> {
        let mut history = Self {
            input: None,
            operations: Vec::new(),
            end: None,
        };
        let mut started = false;
        for event in events {
            match event.event_type {
                EventType::ExecutionStarted => {
                    started = true;
                    history.input = event.details.input_payload().map(str::to_owned);
                }
                EventType::ExecutionSucceeded => {
                    let result = event.details.result_payload().map(str::to_owned);
                    history.end = Some(RecordedEnd::Succeeded(result));
                }
                EventType::ExecutionFailed
                | EventType::ExecutionTimedOut
                | EventType::ExecutionStopped => {
                    let error = event.details.error().cloned().unwrap_or_default();
                    history.end = Some(RecordedEnd::Failed(event.event_type, error));
                }
                EventType::InvocationCompleted
                | EventType::ExecutionPaused
                | EventType::ExecutionResumed => {}
                _ => history.apply(event),
            }
        }
        if !started {
            return Err(HistoryError::NoStart);
        }
        Ok(history)
    }

    /// The operation of an operation event, created on its first event.
    fn operation_for(&mut self, event: &Event, op_type: Type) -> &mut Operation {
        let id = event.id.clone().unwrap_or_default();
        let at = match self.operations.iter().position(|op| op.id == id) {
            Some(at) => at,
            None => {
                let mut op = Operation::new(id, op_type, Status::Started, event.timestamp);
                op.name = event.name.clone();
                op.parent_id = event.parent_id.clone();
                op.sub_type = event.sub_type.clone();
                self.operations.push(op);
                self.operations.len() - 1
            }
        };
        &mut self.operations[at]
    }

    fn apply(&mut self, event: &Event) {
        use EventType as E;
        let op_type = operation_type(event.event_type);
        let result = event.details.result_payload().map(str::to_owned);
        let error = event.details.error().cloned();
        let op = self.operation_for(event, op_type);
        match event.event_type {
            E::ContextStarted | E::StepStarted | E::ChainedInvokeStarted => {
                op.status = Status::Started;
                if op_type == Type::Step {
                    op.step_details.get_or_insert_with(Default::default);
                }
            }
            E::ContextSucceeded | E::ContextFailed => {
                let status = if event.event_type == E::ContextSucceeded {
                    Status::Succeeded
                } else {
                    Status::Failed
                };
                ended(op, status, event);
                op.context_details = Some(Box::new(ContextDetails {
                    replay_children: false,
                    result,
                    error,
                }));
            }
            E::StepSucceeded | E::StepFailed => apply_step_end(op, event, result, error),
            E::WaitStarted => {
                let end = event
                    .details
                    .scheduled_end_timestamp()
                    .unwrap_or(event.timestamp);
                op.wait_details = Some(Box::new(WaitDetails {
                    scheduled_end_timestamp: end,
                }));
            }
            E::WaitSucceeded => ended(op, Status::Succeeded, event),
            E::WaitCancelled => ended(op, Status::Cancelled, event),
            E::CallbackStarted => {
                let callback_id = event.details.callback_id().unwrap_or_default().to_owned();
                op.callback_details = Some(Box::new(CallbackDetails {
                    callback_id,
                    ..Default::default()
                }));
            }
            E::CallbackSucceeded | E::CallbackFailed | E::CallbackTimedOut => {
                apply_callback_end(op, event, result, error)
            }
            _ => apply_chained_invoke_end(op, event, result, error),
        }
    }
}

/// The type of the operation an operation event belongs to.
fn operation_type(event_type: EventType) -> Type {
    use EventType as E;
    match event_type {
        E::ContextStarted | E::ContextSucceeded | E::ContextFailed => Type::Context,
        E::WaitStarted | E::WaitSucceeded | E::WaitCancelled => Type::Wait,
        E::StepStarted | E::StepSucceeded | E::StepFailed => Type::Step,
        E::CallbackStarted | E::CallbackSucceeded | E::CallbackFailed | E::CallbackTimedOut => {
            Type::Callback
        }
        _ => Type::ChainedInvoke,
    }
}

/// Ends the operation with `status` at the event's time.
fn ended(op: &mut Operation, status: Status, event: &Event) {
    op.status = status;
    op.end_timestamp = Some(event.timestamp);
}

/// StepSucceeded / StepFailed: an attempt ended; a failure with a delay retries.
fn apply_step_end(
    op: &mut Operation,
    event: &Event,
    result: Option<String>,
    error: Option<ErrorObject>,
) {
    let delay = event
        .details
        .retry_details()
        .and_then(|r| r.next_attempt_delay_seconds)
        .unwrap_or(0);
    let retrying = event.event_type == EventType::StepFailed && delay > 0;
    let details = op.step_details.get_or_insert_with(Default::default);
    details.attempt += 1;
    details.result = result;
    details.error = error;
    details.next_attempt_timestamp = retrying.then(|| event.timestamp + (delay as Millis) * 1000);
    match event.event_type {
        EventType::StepSucceeded => ended(op, Status::Succeeded, event),
        _ if retrying => op.status = Status::Pending,
        _ => ended(op, Status::Failed, event),
    }
}

/// CallbackSucceeded / CallbackFailed / CallbackTimedOut.
fn apply_callback_end(
    op: &mut Operation,
    event: &Event,
    result: Option<String>,
    error: Option<ErrorObject>,
) {
    let status = match event.event_type {
        EventType::CallbackSucceeded => Status::Succeeded,
        EventType::CallbackFailed => Status::Failed,
        _ => Status::TimedOut,
    };
    ended(op, status, event);
    let details = op.callback_details.get_or_insert_with(Default::default);
    details.result = result;
    details.error = error;
}

/// The end of a chained invoke, by the event type.
fn apply_chained_invoke_end(
    op: &mut Operation,
    event: &Event,
    result: Option<String>,
    error: Option<ErrorObject>,
) {
    let status = match event.event_type {
        EventType::ChainedInvokeSucceeded => Status::Succeeded,
        EventType::ChainedInvokeTimedOut => Status::TimedOut,
        EventType::ChainedInvokeStopped => Status::Stopped,
        _ => Status::Failed,
    };
    ended(op, status, event);
    op.chained_invoke_details = Some(Box::new(ChainedInvokeDetails { result, error }));
}

/// The event with `EventTimestamp` as epoch seconds, whatever form it came in.
fn normalized_timestamp(event: &Value) -> Value {
    let mut event = event.clone();
    if let Some(ms) = event.get("EventTimestamp").and_then(timestamp_millis) {
        event["EventTimestamp"] = serde_json::json!(ms as f64 / 1000.0);
    }
    event
}

/// A timestamp as epoch milliseconds: epoch seconds (number or numeric string), RFC 3339
/// (`2026-12-01T17:23:09.123Z`, `+00:00`) or Python's `str(datetime)` (a space, not `T`).
pub fn timestamp_millis(value: &Value) -> Option<Millis> {
    if let Some(seconds) = value.as_f64() {
        return Some((seconds * 1000.0).round() as Millis);
    }
    let text = value.as_str()?.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Some((seconds * 1000.0).round() as Millis);
    }
    let (local, offset_minutes) = split_offset(text)?;
    let time = humantime::parse_rfc3339_weak(local).ok()?;
    let millis = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as Millis;
    Some(millis - offset_minutes * 60_000)
}

/// Splits a trailing `Z` / `±HH:MM` offset off a timestamp; minutes east of UTC.
fn split_offset(text: &str) -> Option<(&str, i64)> {
    if let Some(local) = text.strip_suffix('Z') {
        return Some((local, 0));
    }
    let tail = text.len().checked_sub(6)?;
    let (local, offset) = text.split_at(tail);
    let sign = match offset.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') if offset.as_bytes().get(3) == Some(&b':') => -1,
        _ => return Some((text, 0)),
    };
    let hours: i64 = offset.get(1..3)?.parse().ok()?;
    let minutes: i64 = offset.get(4..6)?.parse().ok()?;
    Some((local, sign * (hours * 60 + minutes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_in_every_printed_form() {
        let at = 1_764_609_789_123;
        for form in [
            json!(1_764_609_789.123),
            json!("1764609789.123"),
            json!("2025-12-01T17:23:09.123Z"),
            json!("2025-12-01T17:23:09.123000+00:00"),
            json!("2025-12-01 17:23:09.123000+00:00"),
            json!("2025-12-01T18:23:09.123+01:00"),
            json!("2025-12-01T16:23:09.123-01:00"),
        ] {
            assert_eq!(timestamp_millis(&form), Some(at), "{form}");
        }
        assert_eq!(timestamp_millis(&json!("yesterday")), None);
    }

    #[test]
    fn folds_events_into_operations() {
        let history = json!({"Events": [
            {"EventType": "ExecutionStarted", "EventId": 1, "Id": "exec",
             "EventTimestamp": "2025-12-01T17:23:09Z",
             "ExecutionStartedDetails": {"Input": {"Payload": "{\"n\":1}"}}},
            {"EventType": "StepStarted", "EventId": 2, "Id": "s1", "Name": "one",
             "SubType": "Step", "EventTimestamp": 1764609789.5, "StepStartedDetails": {}},
            {"EventType": "StepFailed", "EventId": 3, "Id": "s1", "Name": "one",
             "SubType": "Step", "EventTimestamp": 1764609789.6, "StepFailedDetails": {
                "Error": {"Payload": {"ErrorType": "E", "ErrorMessage": "m"}},
                "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2}}},
            {"EventType": "StepStarted", "EventId": 4, "Id": "s1", "Name": "one",
             "SubType": "Step", "EventTimestamp": 1764609791.6, "StepStartedDetails": {}},
            {"EventType": "StepSucceeded", "EventId": 5, "Id": "s1", "Name": "one",
             "SubType": "Step", "EventTimestamp": 1764609791.7, "StepSucceededDetails": {
                "Result": {"Payload": "7"}, "RetryDetails": {"CurrentAttempt": 2}}},
            {"EventType": "WaitStarted", "EventId": 6, "Id": "w1", "SubType": "Wait",
             "EventTimestamp": 1764609792.0, "WaitStartedDetails": {
                "Duration": 5, "ScheduledEndTimestamp": "2025-12-01T17:23:17Z"}},
        ]});
        let history = RecordedHistory::parse(&history.to_string()).unwrap();
        assert_eq!(history.input.as_deref(), Some("{\"n\":1}"));
        assert_eq!(history.end, None);
        let [step, wait] = &history.operations[..] else {
            panic!("two operations expected: {:?}", history.operations)
        };
        assert_eq!((step.status, step.result()), (Status::Succeeded, Some("7")));
        assert_eq!(step.step_details.as_ref().unwrap().attempt, 2);
        assert_eq!(wait.status, Status::Started);
        assert_eq!(
            wait.wait_details.as_ref().unwrap().scheduled_end_timestamp,
            1_764_609_797_000
        );
    }

    #[test]
    fn bad_histories_say_what_is_wrong() {
        let no_events = RecordedHistory::parse("{\"Operations\": []}").unwrap_err();
        assert!(no_events.to_string().contains("\"Events\""));
        let bad = RecordedHistory::parse("[{\"EventType\": \"Nope\"}]").unwrap_err();
        assert!(bad.to_string().starts_with("event 0:"), "{bad}");
        let no_start = RecordedHistory::parse("[]").unwrap_err();
        assert!(matches!(no_start, HistoryError::NoStart));
    }
}
