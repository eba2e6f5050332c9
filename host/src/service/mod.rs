//! The emulated AWS durable execution service: executions, checkpoint processing with
//! AWS's validators, timers, callbacks and history.

pub mod api;
mod cell;
mod checkpoint;
pub mod clock;
pub mod execution;
mod secrets;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::Engine as _;

pub use cell::ExecutionCell;
pub use checkpoint::{Caller, CheckpointApi, CheckpointRequest, CheckpointResponse};
pub use execution::{
    ChaosPlan, Execution, ExecutionSpec, InvocationOutcome, PendingCallback, TimerKind,
};

use crate::model::ErrorObject;
use crate::store::ExecutionStore;

/// Errors of the service API, named after the AWS exceptions they map to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// An invalid request (`InvalidParameterValueException`).
    #[error("{0}")]
    InvalidParameterValue(String),
    /// No such execution, callback or operation (`ResourceNotFoundException`).
    #[error("{0}")]
    ResourceNotFound(String),
    /// The callback already timed out (`CallbackTimeoutException`).
    #[error("{0}")]
    CallbackTimeout(String),
    /// The execution's state forbids the request (`ResourceConflictException`).
    #[error("{0}")]
    ResourceConflict(String),
    /// The execution outgrew durabox's per-execution bound (`model::limits`).
    #[error("{0}")]
    ExecutionTooLarge(String),
    /// The change could not be made durable, so it was not made (HTTP 500).
    #[error("{0}")]
    Service(String),
    /// Another server sharing the store started an execution of this name first.
    #[error("{0}")]
    NameTaken(String),
}

impl ServiceError {
    /// The AWS exception name (`X-Amzn-ErrorType`).
    pub fn aws_type(&self) -> &'static str {
        match self {
            Self::InvalidParameterValue(_) => "InvalidParameterValueException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
            Self::CallbackTimeout(_) => "CallbackTimeoutException",
            Self::ResourceConflict(_) => "ResourceConflictException",
            Self::ExecutionTooLarge(_) => "InvalidParameterValueException",
            Self::Service(_) => "ServiceException",
            Self::NameTaken(_) => "DurableExecutionAlreadyStartedException",
        }
    }

    /// The error as an AWS `ErrorObject` (type and message).
    pub fn to_error_object(&self) -> ErrorObject {
        ErrorObject::new(self.aws_type(), self.to_string())
    }
}

/// All executions known to one durabox host.
#[derive(Default)]
pub struct Service {
    executions: RwLock<HashMap<String, Arc<ExecutionCell>>>,
    /// A store other servers share: executions not held here are read from it.
    shared: RwLock<Option<Arc<dyn ExecutionStore>>>,
}

impl Service {
    /// Adds an execution, keyed by its ARN.
    pub fn insert(&self, cell: Arc<ExecutionCell>) {
        let arn = cell.lock().arn.clone();
        self.executions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(arn, cell);
    }

    /// Reads executions this host does not hold from `store`, which other servers share.
    pub fn share(&self, store: Arc<dyn ExecutionStore>) {
        *self.shared.write().unwrap_or_else(|p| p.into_inner()) = Some(store);
    }

    /// The store other servers share, if there is one.
    pub fn shared(&self) -> Option<Arc<dyn ExecutionStore>> {
        self.shared
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The execution: held here, or (with a shared store) a read-only copy of it.
    pub fn get(&self, arn: &str) -> Result<Arc<ExecutionCell>, ServiceError> {
        if arn.trim().is_empty() {
            return Err(ServiceError::InvalidParameterValue(
                "Invalid Durable Execution ARN".into(),
            ));
        }
        let not_found =
            || ServiceError::ResourceNotFound("Durable Execution does not exist".into());
        if let Some(cell) = self.local(arn) {
            return Ok(cell);
        }
        let Some(store) = self.shared() else {
            return Err(not_found());
        };
        let stored = store
            .load(arn)
            .map_err(|e| ServiceError::Service(e.to_string()))?
            .ok_or_else(not_found)?;
        let execution =
            Execution::from_stored(stored).map_err(|e| ServiceError::Service(e.to_string()))?;
        Ok(ExecutionCell::snapshot(execution))
    }

    /// The execution, if this host holds it.
    pub fn local(&self, arn: &str) -> Option<Arc<ExecutionCell>> {
        self.executions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(arn)
            .cloned()
    }

    /// Forgets `cell` if it is still the one held for `arn`.
    pub fn forget(&self, arn: &str, cell: &Arc<ExecutionCell>) {
        let mut executions = self.executions.write().unwrap_or_else(|p| p.into_inner());
        if executions
            .get(arn)
            .is_some_and(|held| Arc::ptr_eq(held, cell))
        {
            executions.remove(arn);
        }
    }

    /// DeleteDurableExecution: forgets the execution.
    pub fn remove(&self, arn: &str) -> Option<Arc<ExecutionCell>> {
        self.executions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(arn)
    }

    /// Every execution held here.
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

    /// SendDurableExecutionCallbackSuccess: answers a callback with a result.
    pub fn send_callback_success(
        &self,
        callback_id: &str,
        result: Option<String>,
    ) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_succeed(callback_id, result))?
    }

    /// SendDurableExecutionCallbackFailure: answers a callback with an error.
    pub fn send_callback_failure(
        &self,
        callback_id: &str,
        error: ErrorObject,
    ) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_fail(callback_id, error))?
    }

    /// SendDurableExecutionCallbackHeartbeat: pushes a callback's heartbeat deadline.
    pub fn send_callback_heartbeat(&self, callback_id: &str) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_heartbeat(callback_id))?
    }
}

#[cfg(test)]
mod tests;
