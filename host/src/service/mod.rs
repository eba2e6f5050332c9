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

    pub fn to_error_object(&self) -> ErrorObject {
        ErrorObject::new(self.aws_type(), self.to_string())
    }
}

/// An execution shared between its driver, the guest's host calls and API callers.
/// With a store attached, every change is committed durably before anyone sees it; a
/// change that cannot be stored is undone.
pub struct ExecutionCell {
    state: Mutex<Execution>,
    changed: Condvar,
    store: Option<Arc<dyn ExecutionStore>>,
    /// A copy read from a store another server drives: it refuses every change.
    read_only: bool,
    /// Another server sharing the store took the execution over: this copy is stale.
    lost: std::sync::atomic::AtomicBool,
}

impl ExecutionCell {
    pub fn new(execution: Execution) -> Arc<Self> {
        Self::build(execution, None, false)
    }

    /// A read-only copy of an execution another server drives.
    pub fn snapshot(execution: Execution) -> Arc<Self> {
        Self::build(execution, None, true)
    }

    fn build(
        execution: Execution,
        store: Option<Arc<dyn ExecutionStore>>,
        read_only: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(execution),
            changed: Condvar::new(),
            store,
            read_only,
            lost: Default::default(),
        })
    }

    /// A cell whose execution is stored; fails when its first commit does.
    pub fn with_store(
        execution: Execution,
        store: Option<Arc<dyn ExecutionStore>>,
    ) -> Result<Arc<Self>, ServiceError> {
        let cell = Self::build(execution, store, false);
        cell.commit(&mut cell.lock())?;
        Ok(cell)
    }

    /// Makes the execution's changes since the last commit durable. On failure the
    /// execution goes back to its last durable state and the error says why.
    pub fn commit(&self, execution: &mut Execution) -> Result<(), ServiceError> {
        if self.read_only {
            return Err(ServiceError::ResourceConflict(format!(
                "Durable Execution {} is run by another durabox server sharing the store; send changes to that server",
                execution.arn
            )));
        }
        let Some(store) = &self.store else {
            return Ok(());
        };
        let not_stored = |e: &dyn std::fmt::Display| {
            ServiceError::Service(format!(
                "The change to {} could not be stored, so it was not made: {e}",
                execution.arn
            ))
        };
        let delta = execution.delta().map_err(|e| not_stored(&e))?;
        if delta.is_empty() {
            return Ok(());
        }
        let record = delta.record.clone();
        match store.commit(delta) {
            Ok(()) => {
                execution.committed(record);
                Ok(())
            }
            Err(e @ crate::store::StoreError::NameTaken { .. }) => {
                Err(ServiceError::NameTaken(e.to_string()))
            }
            Err(crate::store::StoreError::LeaseLost { .. }) => {
                self.lost.store(true, std::sync::atomic::Ordering::SeqCst);
                Err(ServiceError::ResourceConflict(format!(
                    "Durable Execution {} was taken over by another durabox server sharing the store",
                    execution.arn
                )))
            }
            Err(e) => {
                let error = not_stored(&e);
                tracing::error!("{error}");
                self.revert(execution, store.as_ref());
                Err(error)
            }
        }
    }

    /// Puts the execution back to what the store holds (the last durable state).
    fn revert(&self, execution: &mut Execution, store: &dyn ExecutionStore) {
        let stored = store
            .load(&execution.arn)
            .and_then(|stored| stored.map(Execution::from_stored).transpose());
        match stored {
            Ok(Some(stored)) => execution.revert_to(stored),
            // Never stored: the caller drops the execution.
            Ok(None) => {}
            Err(e) => tracing::error!(
                "cannot reload execution {} after a failed commit (its changes will be written with the next one): {e}",
                execution.arn
            ),
        }
    }

    /// True for a copy of an execution another server drives (it refuses changes).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// True once another server sharing the store has taken the execution over.
    pub fn is_lost(&self) -> bool {
        self.lost.load(std::sync::atomic::Ordering::SeqCst)
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

    /// Runs a running invocation's durable call `f`, committing only when the call needs
    /// its change durable before the guest goes on (an at-most-once step's START, a new
    /// callback id) or many changes are pending; the invocation's end commits the rest.
    /// A crash before then replays from the last commit, re-running at-least-once steps
    /// as a Lambda crash does. Fails, with every uncommitted change undone, when the
    /// commit does.
    pub fn update_deferred<R>(
        &self,
        f: impl FnOnce(&mut Execution) -> R,
    ) -> Result<R, ServiceError> {
        let mut execution = self.lock();
        let result = f(&mut execution);
        execution.version += 1;
        if !execution.invocation_running || execution.defer_or_commit() {
            self.commit(&mut execution)?;
        }
        Ok(result)
    }

    /// Runs `f` on the execution, commits its changes, then wakes waiters — unless a
    /// handler invocation is running: its own checkpoints concern nobody until it ends
    /// (the driver notifies then), and waking every waiter twice per step costs more
    /// than the step. Fails, with `f`'s changes undone, when they cannot be stored.
    pub fn update<R>(&self, f: impl FnOnce(&mut Execution) -> R) -> Result<R, ServiceError> {
        let (result, quiet) = {
            let mut execution = self.lock();
            let result = f(&mut execution);
            execution.version += 1;
            let committed = self.commit(&mut execution);
            let quiet = committed.is_ok()
                && execution.invocation_running
                && !execution.status.is_terminal();
            (committed.map(|()| result), quiet)
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
    /// A store other servers share: executions not held here are read from it.
    shared: RwLock<Option<Arc<dyn ExecutionStore>>>,
}

impl Service {
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
            .update(|e| e.callback_succeed(callback_id, result))?
    }

    pub fn send_callback_failure(
        &self,
        callback_id: &str,
        error: ErrorObject,
    ) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_fail(callback_id, error))?
    }

    pub fn send_callback_heartbeat(&self, callback_id: &str) -> Result<(), ServiceError> {
        self.execution_of_callback(callback_id)?
            .update(|e| e.callback_heartbeat(callback_id))?
    }
}

#[cfg(test)]
mod tests;
