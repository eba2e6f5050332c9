//! [`ExecutionCell`]: one execution shared by its driver, the guest's host calls and API
//! callers, and the door to the store: every change is committed (or undone).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::execution::StoreWhen;
use super::{Execution, ServiceError};
use crate::store::{ExecutionStore, Receipt, StoreError};

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
    lost: AtomicBool,
    /// Commits started but not waited for (`update_deferred`), oldest first.
    in_flight: Mutex<Vec<Receipt>>,
}

impl ExecutionCell {
    /// A cell without a store: changes live in memory only.
    pub fn new(execution: Execution) -> Arc<Self> {
        Self::build(execution, None, false)
    }

    /// A read-only copy of an execution another server drives.
    pub fn snapshot(execution: Execution) -> Arc<Self> {
        Self::build(execution, None, true)
    }

    fn build(
        mut execution: Execution,
        store: Option<Arc<dyn ExecutionStore>>,
        read_only: bool,
    ) -> Arc<Self> {
        if store.is_none() {
            execution.never_stored();
        }
        Arc::new(Self {
            state: Mutex::new(execution),
            changed: Condvar::new(),
            store,
            read_only,
            lost: Default::default(),
            in_flight: Default::default(),
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
        let delta = execution
            .delta()
            .map_err(|e| unstorable(&execution.arn, &e))?;
        // What was started before must have landed before this counts as durable.
        let earlier =
            std::mem::take(&mut *self.in_flight.lock().unwrap_or_else(|p| p.into_inner()));
        let mut outcome = Ok(());
        for receipt in earlier {
            if outcome.is_ok() {
                outcome = receipt.wait();
            } else {
                let _ = receipt.wait();
            }
        }
        if outcome.is_ok() && delta.is_empty() {
            return Ok(());
        }
        let record = delta.record.clone();
        match outcome.and_then(|()| store.commit(delta)) {
            Ok(()) => {
                execution.committed(record);
                Ok(())
            }
            Err(e) => Err(self.not_stored(execution, store.as_ref(), e)),
        }
    }

    /// Starts committing the execution's changes without waiting for them; the next
    /// [`commit`](Self::commit) waits, and fails (undoing them) if they failed.
    fn submit(&self, execution: &mut Execution) -> Result<(), ServiceError> {
        let Some(store) = self.store.as_ref().filter(|_| !self.read_only) else {
            return self.commit(execution);
        };
        let delta = execution
            .delta()
            .map_err(|e| unstorable(&execution.arn, &e))?;
        let record = delta.record.clone();
        let receipt = store.submit(delta);
        execution.committed(record);
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(receipt);
        Ok(())
    }

    /// The error for a commit the store refused; the execution is put back to its last
    /// durable state.
    fn not_stored(
        &self,
        execution: &mut Execution,
        store: &dyn ExecutionStore,
        error: StoreError,
    ) -> ServiceError {
        match error {
            e @ StoreError::NameTaken { .. } => ServiceError::NameTaken(e.to_string()),
            StoreError::LeaseLost { .. } => {
                self.lost.store(true, Ordering::SeqCst);
                ServiceError::ResourceConflict(format!(
                    "Durable Execution {} was taken over by another durabox server sharing the store",
                    execution.arn
                ))
            }
            e => {
                let error = unstorable(&execution.arn, &e);
                tracing::error!("{error}");
                self.revert(execution, store);
                error
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
        self.lost.load(Ordering::SeqCst)
    }

    /// The store changes are committed to, if any.
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
    /// callback id); when many changes are pending they are sent to the store without
    /// waiting (the next commit waits for them); the invocation's end commits the rest.
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
        if !execution.schedule.invocation_running {
            self.commit(&mut execution)?;
            return Ok(result);
        }
        match execution.store_when() {
            StoreWhen::Now => self.commit(&mut execution)?,
            StoreWhen::Soon => self.submit(&mut execution)?,
            StoreWhen::Later => {}
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
                && execution.schedule.invocation_running
                && !execution.status.is_terminal();
            (committed.map(|()| result), quiet)
        };
        if !quiet {
            self.notify();
        }
        result
    }
}

/// The error for a change to execution `arn` that could not be made durable.
fn unstorable(arn: &str, cause: &dyn std::fmt::Display) -> ServiceError {
    ServiceError::Service(format!(
        "The change to {arn} could not be stored, so it was not made: {cause}"
    ))
}
