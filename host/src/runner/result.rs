//! The outcome of an execution as tests see it: status, result, error, the operation
//! tree with typed views, the history, and what each invocation printed.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::model::{
    ErrorObject, Event, ExecutionStatus, Millis, Operation, OperationStatus, OperationType,
};
use crate::service::execution::InvocationRecord;
use crate::service::Execution;

#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    #[error("Operation with name '{0}' not found")]
    NotFound(String),
    #[error("operation '{name}' is a {actual}, not a {expected}")]
    WrongType {
        name: String,
        actual: &'static str,
        expected: &'static str,
    },
    #[error("the execution has no result to decode ({0})")]
    NoResult(String),
    #[error("the result is not the expected JSON: {0}")]
    Decode(#[from] serde_json::Error),
}

/// A finished (or in-flight) execution, snapshotted.
#[derive(Clone, Debug)]
pub struct ExecutionResult {
    pub arn: String,
    pub name: String,
    pub function_name: String,
    pub status: ExecutionStatus,
    pub input: String,
    pub result: Option<String>,
    pub error: Option<ErrorObject>,
    pub start: Millis,
    pub end: Option<Millis>,
    /// Every operation, the EXECUTION operation first.
    pub all_operations: Vec<Operation>,
    pub events: Vec<Event>,
    pub invocations: Vec<InvocationRecord>,
    /// The execution as `GetDurableExecution` returns it.
    pub description: Value,
}

impl ExecutionResult {
    pub fn snapshot(execution: &Execution) -> Self {
        Self {
            arn: execution.arn.clone(),
            name: execution.spec.execution_name.clone(),
            function_name: execution.spec.function_name.clone(),
            status: execution.status,
            input: execution.spec.input.clone(),
            result: execution.result.clone(),
            error: execution.error.clone(),
            start: execution.start,
            end: execution.end,
            all_operations: execution.operations().to_vec(),
            events: execution.events().to_vec(),
            invocations: execution.invocations.clone(),
            description: execution.describe(true),
        }
    }

    /// The result decoded from JSON.
    pub fn result_json<T: DeserializeOwned>(&self) -> Result<T, ResultError> {
        let raw = self
            .result
            .as_deref()
            .ok_or_else(|| ResultError::NoResult(format!("status {}", self.status.as_str())))?;
        Ok(serde_json::from_str(raw)?)
    }

    /// Top-level operations (children of the execution), in start order.
    pub fn operations(&self) -> Vec<OperationView<'_>> {
        self.children_of(None)
    }

    fn children_of(&self, parent: Option<&str>) -> Vec<OperationView<'_>> {
        self.all_operations
            .iter()
            .filter(|op| {
                op.op_type != OperationType::Execution && op.parent_id.as_deref() == parent
            })
            .map(|op| OperationView { op, result: self })
            .collect()
    }

    /// Every non-EXECUTION operation, depth-first in start order.
    pub fn all(&self) -> Vec<OperationView<'_>> {
        self.all_operations
            .iter()
            .filter(|op| op.op_type != OperationType::Execution)
            .map(|op| OperationView { op, result: self })
            .collect()
    }

    /// A top-level operation by name.
    pub fn operation(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operations()
            .into_iter()
            .find(|v| v.name() == Some(name))
            .ok_or_else(|| ResultError::NotFound(name.to_owned()))
    }

    /// A top-level operation by position (0-based).
    pub fn operation_at(&self, index: usize) -> Option<OperationView<'_>> {
        self.operations().into_iter().nth(index)
    }

    /// Any operation by id.
    pub fn operation_by_id(&self, id: &str) -> Option<OperationView<'_>> {
        self.all_operations
            .iter()
            .find(|op| op.id == id)
            .map(|op| OperationView { op, result: self })
    }

    pub fn step(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operation(name)?.expect_type(OperationType::Step)
    }
    pub fn wait(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operation(name)?.expect_type(OperationType::Wait)
    }
    pub fn context(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operation(name)?.expect_type(OperationType::Context)
    }
    pub fn callback(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operation(name)?.expect_type(OperationType::Callback)
    }

    /// The history as `GetDurableExecutionHistory` returns it.
    pub fn history_json(&self) -> Value {
        json!({ "Events": self.events.iter().map(|e| e.to_json(true)).collect::<Vec<_>>() })
    }

    /// The execution as `GetDurableExecution` returns it.
    pub fn execution_json(&self) -> Value {
        self.description.clone()
    }

    /// Everything a test runner in another language reads: `{"Execution":
    /// GetDurableExecution, "Events": [history], "Operations": [AWS Operation, the
    /// EXECUTION first], "Invocations": [{request_id, logs, stdout, stderr, error, ...}]}`.
    pub fn document(&self) -> Value {
        json!({
            "Execution": self.execution_json(),
            "Events": self.history_json()["Events"],
            "Operations": self.all_operations,
            "Invocations": self.invocations,
        })
    }
}

/// A typed view of one operation with access to its children.
#[derive(Clone, Copy, Debug)]
pub struct OperationView<'a> {
    pub op: &'a Operation,
    result: &'a ExecutionResult,
}

impl<'a> OperationView<'a> {
    pub fn id(&self) -> &'a str {
        &self.op.id
    }
    pub fn name(&self) -> Option<&'a str> {
        self.op.name.as_deref()
    }
    pub fn op_type(&self) -> OperationType {
        self.op.op_type
    }
    pub fn sub_type(&self) -> Option<&'a str> {
        self.op.sub_type.as_deref()
    }
    pub fn status(&self) -> OperationStatus {
        self.op.status
    }
    pub fn parent_id(&self) -> Option<&'a str> {
        self.op.parent_id.as_deref()
    }
    pub fn start_timestamp(&self) -> Millis {
        self.op.start_timestamp
    }
    pub fn end_timestamp(&self) -> Option<Millis> {
        self.op.end_timestamp
    }
    /// Completed attempts of a step.
    pub fn attempt(&self) -> Option<u32> {
        self.op.step_details.as_ref().map(|d| d.attempt)
    }
    pub fn next_attempt_timestamp(&self) -> Option<Millis> {
        self.op
            .step_details
            .as_ref()
            .and_then(|d| d.next_attempt_timestamp)
    }
    pub fn scheduled_end_timestamp(&self) -> Option<Millis> {
        self.op
            .wait_details
            .as_ref()
            .map(|d| d.scheduled_end_timestamp)
    }
    pub fn callback_id(&self) -> Option<&'a str> {
        self.op
            .callback_details
            .as_ref()
            .map(|d| d.callback_id.as_str())
    }
    /// The raw JSON payload recorded as the result.
    pub fn result(&self) -> Option<&'a str> {
        self.op.result()
    }
    pub fn result_json<T: DeserializeOwned>(&self) -> Result<T, ResultError> {
        let raw = self
            .result()
            .ok_or_else(|| ResultError::NoResult(format!("operation {}", self.op.id)))?;
        Ok(serde_json::from_str(raw)?)
    }
    pub fn error(&self) -> Option<&'a ErrorObject> {
        self.op.error()
    }
    pub fn children(&self) -> Vec<OperationView<'a>> {
        self.result.children_of(Some(&self.op.id))
    }
    /// A direct child by name.
    pub fn child(&self, name: &str) -> Result<OperationView<'a>, ResultError> {
        self.children()
            .into_iter()
            .find(|v| v.name() == Some(name))
            .ok_or_else(|| ResultError::NotFound(name.to_owned()))
    }

    fn expect_type(self, expected: OperationType) -> Result<Self, ResultError> {
        if self.op.op_type == expected {
            Ok(self)
        } else {
            Err(ResultError::WrongType {
                name: self.name().unwrap_or_default().to_owned(),
                actual: self.op.op_type.as_str(),
                expected: expected.as_str(),
            })
        }
    }
}
