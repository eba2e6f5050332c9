//! The AWS API shapes of an execution: GetDurableExecution, the ListDurableExecutions
//! item, GetDurableExecutionHistory and GetDurableExecutionState pages.

use serde_json::{json, Value};

use super::{Execution, ServiceError};
use crate::model::event::seconds;
use crate::model::{Event, Millis, Operation};

/// Operation fields holding epoch milliseconds; the rest-json API sends epoch seconds.
const TIMESTAMP_FIELDS: [&str; 4] = [
    "StartTimestamp",
    "EndTimestamp",
    "NextAttemptTimestamp",
    "ScheduledEndTimestamp",
];

/// An operation as the HTTP API returns it (timestamps in epoch seconds).
pub fn operation_wire(op: &Operation) -> Value {
    fn convert(value: &mut Value) {
        if let Value::Object(map) = value {
            for (key, field) in map.iter_mut() {
                match field {
                    Value::Number(n) if TIMESTAMP_FIELDS.contains(&key.as_str()) => {
                        *field = seconds(n.as_i64().unwrap_or(0));
                    }
                    Value::Object(_) => convert(field),
                    _ => {}
                }
            }
        }
    }
    let mut value = serde_json::to_value(op).unwrap_or(Value::Null);
    convert(&mut value);
    value
}

/// A page marker is the index of the first item of the next page.
fn parse_marker(marker: Option<&str>) -> Result<usize, ServiceError> {
    match marker {
        None | Some("") => Ok(0),
        Some(m) => m
            .parse()
            .map_err(|_| ServiceError::InvalidParameterValue(format!("Invalid marker: {m}"))),
    }
}

/// `max_items` of 0 or absent means `default`; above 1000 is rejected as AWS does.
pub fn page_size(max_items: Option<usize>, default: usize) -> Result<usize, ServiceError> {
    match max_items {
        None | Some(0) => Ok(default),
        Some(n) if n <= 1000 => Ok(n),
        Some(n) => Err(ServiceError::InvalidParameterValue(format!(
            "MaxItems must be between 0 and 1000, got {n}"
        ))),
    }
}

/// Slices `items` into one page; returns the page and the next marker.
pub fn paginate<T: Clone>(
    items: &[T],
    marker: Option<&str>,
    size: usize,
) -> Result<(Vec<T>, Option<String>), ServiceError> {
    let start = parse_marker(marker)?.min(items.len());
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

impl Execution {
    /// The ARN of the function version the execution runs (`…:function:NAME:$LATEST`).
    pub fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}:$LATEST",
            self.spec.region, self.spec.account_id, self.spec.function_name
        )
    }

    /// GetDurableExecution.
    pub fn describe(&self, include_execution_data: bool) -> Value {
        let mut out = json!({
            "DurableExecutionArn": self.arn,
            "DurableExecutionName": self.spec.execution_name,
            "FunctionArn": self.function_arn(),
            "StartTimestamp": seconds(self.start),
            "Status": self.reported_status(),
            "Version": "$LATEST",
            "ExecutionDataIncluded": include_execution_data,
            "DurableConfig": { "ExecutionTimeout": self.spec.execution_timeout_seconds },
        });
        if include_execution_data {
            out["InputPayload"] = json!(self.spec.input);
            if let Some(result) = &self.result {
                out["Result"] = json!(result);
            }
        }
        if let Some(error) = &self.error {
            out["Error"] = json!(error);
        }
        if let (true, Some((at, reason, timeout_paused))) = (self.paused, &self.pause_request) {
            let mut details = json!({
                "PauseRequestTimestamp": seconds(*at),
                "ExecutionTimeoutPaused": timeout_paused,
            });
            if let Some(reason) = reason {
                details["Reason"] = json!(reason);
            }
            out["PauseDetails"] = details;
        }
        // durabox's own field (botocore ignores it): the determinism lint's findings.
        let warnings: Vec<_> = self.invocations.iter().flat_map(|i| &i.warnings).collect();
        if !warnings.is_empty() {
            out["DeterminismWarnings"] = json!(warnings);
        }
        match self.end {
            Some(end) => out["EndTimestamp"] = seconds(end),
            None => {
                let timeout: Millis =
                    super::clock::after_seconds(self.start, self.spec.execution_timeout_seconds);
                out["ExpectedExecutionTimeoutTimestamp"] = seconds(timeout);
            }
        }
        out
    }

    /// An item of ListDurableExecutionsByFunction.
    pub fn summary(&self) -> Value {
        let mut out = json!({
            "DurableExecutionArn": self.arn,
            "DurableExecutionName": self.spec.execution_name,
            "FunctionArn": self.function_arn(),
            "Status": self.reported_status(),
            "StartTimestamp": seconds(self.start),
        });
        if let Some(end) = self.end {
            out["EndTimestamp"] = seconds(end);
        }
        out
    }

    /// GetDurableExecutionHistory. Without `max_items` the whole history is one page.
    pub fn history_page(
        &self,
        include_execution_data: bool,
        max_items: Option<usize>,
        marker: Option<&str>,
        reverse: bool,
    ) -> Result<Value, ServiceError> {
        // Only the page's events are written as JSON.
        let mut events: Vec<&Event> = self.events().iter().collect();
        if reverse {
            events.reverse();
        }
        let size = page_size(max_items, events.len().max(1))?;
        let (page, next) = paginate(&events, marker, size)?;
        let page: Vec<Value> = page
            .into_iter()
            .map(|e| e.to_json(include_execution_data))
            .collect();
        let mut out = json!({ "Events": page });
        if let Some(next) = next {
            out["NextMarker"] = json!(next);
        }
        Ok(out)
    }

    /// GetDurableExecutionState: operations for replay, with the current token.
    pub fn state_page(
        &self,
        checkpoint_token: &str,
        max_items: Option<usize>,
        marker: Option<&str>,
    ) -> Result<Value, ServiceError> {
        if checkpoint_token != self.checkpoint_token() {
            return Err(ServiceError::InvalidParameterValue(
                "Invalid checkpoint token".into(),
            ));
        }
        let operations: Vec<Value> = self
            .replay_state()
            .into_iter()
            .map(operation_wire)
            .collect();
        let (page, next) = paginate(&operations, marker, page_size(max_items, 100)?)?;
        let mut out = json!({ "Operations": page });
        if let Some(next) = next {
            out["NextMarker"] = json!(next);
        }
        Ok(out)
    }
}
