//! The emulated AWS durable execution service: executions, checkpoint processing with
//! AWS's validators, timers, callbacks and history.

pub mod api;
mod checkpoint;
pub mod clock;
pub mod execution;
mod secrets;

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use base64::Engine as _;

pub use execution::{
    ChaosPlan, Execution, ExecutionSpec, InvocationOutcome, PendingCallback, TimerKind,
};

use crate::model::ErrorObject;
use crate::store::ExecutionStore;

/// Errors of the service API, named after the AWS exceptions they map to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    InvalidParameterValue(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    CallbackTimeout(String),
    #[error("{0}")]
    ResourceConflict(String),
}

impl ServiceError {
    /// The AWS exception name (`X-Amzn-ErrorType`).
    pub fn aws_type(&self) -> &'static str {
        match self {
            Self::InvalidParameterValue(_) => "InvalidParameterValueException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
            Self::CallbackTimeout(_) => "CallbackTimeoutException",
            Self::ResourceConflict(_) => "ResourceConflictException",
        }
    }

    pub fn to_error_object(&self) -> ErrorObject {
        ErrorObject::new(self.aws_type(), self.to_string())
    }
}

/// An execution shared between its driver, the guest's host calls and API callers.
/// With a store attached, every change is written through before waiters wake.
pub struct ExecutionCell {
    state: Mutex<Execution>,
    changed: Condvar,
    store: Option<Arc<dyn ExecutionStore>>,
}

impl ExecutionCell {
    pub fn new(execution: Execution) -> Arc<Self> {
        Self::with_store(execution, None)
    }

    pub fn with_store(execution: Execution, store: Option<Arc<dyn ExecutionStore>>) -> Arc<Self> {
        let cell = Arc::new(Self {
            state: Mutex::new(execution),
            changed: Condvar::new(),
            store,
        });
        cell.persist(&cell.lock());
        cell
    }

    /// Writes the execution to the store, if there is one.
    pub fn persist(&self, execution: &Execution) {
        if let Some(store) = &self.store {
            if let Err(e) = store.save(execution) {
                tracing::error!("could not persist execution {}: {e}", execution.arn);
            }
        }
    }

    pub fn store(&self) -> Option<&Arc<dyn ExecutionStore>> {
        self.store.as_ref()
    }

    /// Locks the execution. A panic elsewhere never makes the state unreachable.
    pub fn lock(&self) -> MutexGuard<'_, Execution> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wakes everyone waiting for a change (driver, `wait_for_result`, ...).
    pub fn notify(&self) {
        self.changed.notify_all();
    }

    /// Waits up to `timeout` for a change notification.
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a, Execution>,
        timeout: Duration,
    ) -> MutexGuard<'a, Execution> {
        match self.changed.wait_timeout(guard, timeout) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        }
    }

    /// Runs `f` on the execution, then wakes waiters.
    /// Runs `f` on the execution, then wakes waiters — unless a handler invocation is
    /// running: its own checkpoints concern nobody until it ends (the driver notifies
    /// then), and waking every waiter twice per step costs more than the step.
    pub fn update<R>(&self, f: impl FnOnce(&mut Execution) -> R) -> R {
        let (result, quiet) = {
            let mut execution = self.lock();
            let result = f(&mut execution);
            execution.version += 1;
            self.persist(&execution);
            (
                result,
                execution.invocation_running && !execution.status.is_terminal(),
            )
        };
        if !quiet {
            self.notify();
        }
        result
    }
}

/// All executions known to one durabox host.
#[derive(Default)]
pub struct Service {
    executions: RwLock<HashMap<String, Arc<ExecutionCell>>>,
}

impl Service {
    pub fn insert(&self, cell: Arc<ExecutionCell>) {
        let arn = cell.lock().arn.clone();
        self.executions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(arn, cell);
    }

    pub fn get(&self, arn: &str) -> Result<Arc<ExecutionCell>, ServiceError> {
        if arn.trim().is_empty() {
            return Err(ServiceError::InvalidParameterValue(
                "Invalid Durable Execution ARN".into(),
            ));
        }
        self.executions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(arn)
            .cloned()
            .ok_or_else(|| {
                ServiceError::ResourceNotFound("Durable Execution does not exist".into())
            })
    }

    /// DeleteDurableExecution: forgets the execution.
    pub fn remove(&self, arn: &str) -> Option<Arc<ExecutionCell>> {
        self.executions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(arn)
    }

    pub fn all(&self) -> Vec<Arc<ExecutionCell>> {
        self.executions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// The execution a callback id belongs to (ids embed the execution ARN).
    pub fn execution_of_callback(
        &self,
        callback_id: &str,
    ) -> Result<Arc<ExecutionCell>, ServiceError> {
        let not_found =
            || ServiceError::ResourceNotFound(format!("Callback {callback_id} does not exist"));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(callback_id)
            .map_err(|_| not_found())?;
        let token: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| not_found())?;
        let arn = token
            .get("arn")
            .and_then(|a| a.as_str())
            .ok_or_else(not_found)?;
        self.get(arn).map_err(|_| not_found())
    }

    pub fn send_callback_success(
        &self,
        callback_id: &str,
        result: Option<String>,
    ) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_succeed(callback_id, result))
    }

    pub fn send_callback_failure(
        &self,
        callback_id: &str,
        error: ErrorObject,
    ) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_fail(callback_id, error))
    }

    pub fn send_callback_heartbeat(&self, callback_id: &str) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_heartbeat(callback_id))
    }
}

#[cfg(test)]
mod tests;
