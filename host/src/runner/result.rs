//! The outcome of an execution as tests see it: status, result, error, the operation
//! tree with typed views, the history, and what each invocation printed.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::model::{
    ErrorObject, Event, ExecutionStatus, Millis, Operation, OperationStatus, OperationType,
};
use crate::service::execution::InvocationRecord;
use crate::service::Execution;

/// Why a lookup or decoding on an [`ExecutionResult`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    /// No operation of that name where it was looked for.
    #[error("Operation with name '{0}' not found")]
    NotFound(String),
    #[error("operation '{name}' is a {actual}, not a {expected}")]
    /// The named operation is of another type than the accessor expects.
    WrongType {
        /// The operation's name.
        name: String,
        /// Its type (AWS name).
        actual: &'static str,
        /// The type the accessor asked for.
        expected: &'static str,
    },
    /// There is no result payload (the execution or operation did not succeed with one).
    #[error("the execution has no result to decode ({0})")]
    NoResult(String),
    /// The result payload is not JSON of the requested type.
    #[error("the result is not the expected JSON: {0}")]
    Decode(#[from] serde_json::Error),
}

/// A finished (or in-flight) execution, snapshotted.
#[derive(Clone, Debug)]
pub struct ExecutionResult {
    /// DurableExecutionArn.
    pub arn: String,
    /// DurableExecutionName.
    pub name: String,
    /// The function the execution runs.
    pub function_name: String,
    /// Status at the snapshot.
    pub status: ExecutionStatus,
    /// The input payload (JSON text).
    pub input: String,
    /// The result payload (JSON text) once SUCCEEDED with one.
    pub result: Option<String>,
    /// The error once FAILED, TIMED_OUT or STOPPED.
    pub error: Option<ErrorObject>,
    /// Start time, epoch milliseconds (on the execution's clock).
    pub start: Millis,
    /// End time, epoch milliseconds, once terminal.
    pub end: Option<Millis>,
    /// Every operation, the EXECUTION operation first.
    pub all_operations: Vec<Operation>,
    /// The history, in event order.
    pub events: Vec<Event>,
    /// Each invocation's request id, output, logs and error, in order.
    pub invocations: Vec<InvocationRecord>,
    /// The execution as `GetDurableExecution` returns it.
    pub description: Value,
}

impl ExecutionResult {
    /// A copy of the execution's state now (it may still be running).
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
            invocations: execution.invocations.to_vec(),
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

    /// A top-level STEP by name.
    pub fn step(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operation(name)?.expect_type(OperationType::Step)
    }
    /// A top-level WAIT by name.
    pub fn wait(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operation(name)?.expect_type(OperationType::Wait)
    }
    /// A top-level CONTEXT by name.
    pub fn context(&self, name: &str) -> Result<OperationView<'_>, ResultError> {
        self.operation(name)?.expect_type(OperationType::Context)
    }
    /// A top-level CALLBACK by name.
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
    /// The operation as AWS describes it.
    pub op: &'a Operation,
    result: &'a ExecutionResult,
}

impl<'a> OperationView<'a> {
    /// The operation id.
    pub fn id(&self) -> &'a str {
        &self.op.id
    }
    /// The name the code gave it, if any.
    pub fn name(&self) -> Option<&'a str> {
        self.op.name.as_deref()
    }
    /// STEP, WAIT, CONTEXT, CALLBACK, CHAINED_INVOKE or EXECUTION.
    pub fn op_type(&self) -> OperationType {
        self.op.op_type
    }
    /// The SDK's sub-type (e.g. `Step`, `Map`, `WaitForCallback`).
    pub fn sub_type(&self) -> Option<&'a str> {
        self.op.sub_type.as_deref()
    }
    /// Current status.
    pub fn status(&self) -> OperationStatus {
        self.op.status
    }
    /// The enclosing context's id; None at the top level.
    pub fn parent_id(&self) -> Option<&'a str> {
        self.op.parent_id.as_deref()
    }
    /// Start time, epoch milliseconds.
    pub fn start_timestamp(&self) -> Millis {
        self.op.start_timestamp
    }
    /// End time, epoch milliseconds, once it ended.
    pub fn end_timestamp(&self) -> Option<Millis> {
        self.op.end_timestamp
    }
    /// Completed attempts of a step.
    pub fn attempt(&self) -> Option<u32> {
        self.op.step_details.as_ref().map(|d| d.attempt)
    }
    /// When a step waiting to retry becomes READY, epoch milliseconds.
    pub fn next_attempt_timestamp(&self) -> Option<Millis> {
        self.op
            .step_details
            .as_ref()
            .and_then(|d| d.next_attempt_timestamp)
    }
    /// When a wait is due, epoch milliseconds.
    pub fn scheduled_end_timestamp(&self) -> Option<Millis> {
        self.op
            .wait_details
            .as_ref()
            .map(|d| d.scheduled_end_timestamp)
    }
    /// The id a callback is answered with.
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
    /// The result decoded from JSON.
    pub fn result_json<T: DeserializeOwned>(&self) -> Result<T, ResultError> {
        let raw = self
            .result()
            .ok_or_else(|| ResultError::NoResult(format!("operation {}", self.op.id)))?;
        Ok(serde_json::from_str(raw)?)
    }
    /// The recorded error of a failed operation.
    pub fn error(&self) -> Option<&'a ErrorObject> {
        self.op.error()
    }
    /// Direct children (of a context), in start order.
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
