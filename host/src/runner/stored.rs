//! Executions from a store: resumed after a restart, and shared with other servers.
//!
//! A store with an owner (PostgreSQL) is shared: each server drives only executions it
//! holds a lease on, renews its leases, and takes over those whose lease expired (their
//! server died). Executions it does not hold are read from the store and refuse changes.

use std::sync::Arc;
use std::time::Duration;

use super::runtime::{Runtime, RuntimeError, WeakRuntime};
use crate::service::{Execution, ExecutionCell};
use crate::store::{ExecutionStore, StoreSpec};

/// How long a server's hold on an execution lasts without renewal, unless the store
/// says otherwise.
pub const LEASE: Duration = Duration::from_secs(10);

fn lease_of(store: &dyn ExecutionStore) -> Duration {
    store.lease().unwrap_or(LEASE)
}

impl Runtime {
    /// Opens the store, loads the executions it holds and resumes the unfinished ones
    /// (their timers re-arm from the stored state). New executions are stored there too.
    /// Returns how many executions were resumed. Register functions first.
    pub fn attach_store(&self, spec: StoreSpec) -> Result<usize, RuntimeError> {
        match spec.open()? {
            Some(store) => self.attach(store),
            None => Ok(0),
        }
    }

    /// [`Runtime::attach_store`] with a store the host built (its own [`ExecutionStore`]).
    pub fn attach(&self, store: Arc<dyn ExecutionStore>) -> Result<usize, RuntimeError> {
        let shared = store.owner().is_some();
        let mut resumed = 0;
        for stored in store.load_all()? {
            let execution = Execution::from_stored(stored)?.restore();
            let finished = execution.status.is_terminal();
            // Shared: finished ones are read from the store when asked for; unfinished
            // ones are driven by whoever holds them.
            if shared && (finished || !store.claim(&execution.arn, lease_of(store.as_ref()))?) {
                continue;
            }
            resumed += usize::from(self.resume(execution, &store)?);
        }
        self.set_store(store.clone());
        if shared {
            self.service().share(store.clone());
            keep_leases(self.downgrade(), store);
        }
        Ok(resumed)
    }

    /// Serves a stored execution from memory and drives it if unfinished; true if driven.
    fn resume(
        &self,
        mut execution: Execution,
        store: &Arc<dyn ExecutionStore>,
    ) -> Result<bool, RuntimeError> {
        let running = !execution.status.is_terminal();
        let function = execution.spec.function_name.clone();
        execution.wiring.invoke_targets = Some(self.invoke_targets());
        let cell = ExecutionCell::with_store(execution, Some(store.clone()))?;
        self.service().insert(cell.clone());
        if !running {
            return Ok(false);
        }
        match self.function(&function) {
            Ok(function) => {
                self.spawn_driver(cell, function)?;
                Ok(true)
            }
            Err(_) => {
                tracing::warn!("not resuming an execution of unregistered function {function}");
                Ok(false)
            }
        }
    }

    /// Takes over, at once, an unfinished execution of the shared store: one whose lease
    /// ran out, or (`holder_dead`) one whose server is known to be dead. True if this
    /// server drives it now.
    pub fn take_over(&self, arn: &str, holder_dead: bool) -> Result<bool, RuntimeError> {
        match self.service().shared() {
            Some(store) => self.adopt(&store, arn, holder_dead),
            None => Ok(false),
        }
    }

    /// Takes over an execution whose lease expired (or, `seize`, whose holder is dead);
    /// true if this server now drives it.
    fn adopt(
        &self,
        store: &Arc<dyn ExecutionStore>,
        arn: &str,
        seize: bool,
    ) -> Result<bool, RuntimeError> {
        let lease = lease_of(store.as_ref());
        let won = if seize {
            store.seize(arn, lease)?
        } else {
            store.claim(arn, lease)?
        };
        if !won {
            return Ok(false);
        }
        if self
            .service()
            .local(arn)
            .is_some_and(|cell| !cell.lock().status.is_terminal())
        {
            // Its own lease lapsed while its driver runs here: held again, nothing to do.
            return Ok(false);
        }
        let Some(stored) = store.load(arn)? else {
            return Ok(false);
        };
        let execution = Execution::from_stored(stored)?.restore();
        self.resume(execution, store)
    }
}

/// Renews this server's leases and adopts orphaned executions, a few times per lease,
/// until the runtime is dropped.
fn keep_leases(runtime: WeakRuntime, store: Arc<dyn ExecutionStore>) {
    let spawned = std::thread::Builder::new()
        .name("durabox-leases".into())
        .spawn(move || loop {
            let lease = lease_of(store.as_ref());
            std::thread::sleep(lease / 4);
            let Some(runtime) = runtime.upgrade() else {
                return;
            };
            if let Err(e) = store.renew(lease) {
                tracing::error!("cannot renew execution leases: {e}");
            }
            let orphans = store.orphans().unwrap_or_else(|e| {
                tracing::error!("cannot look for orphaned executions: {e}");
                Vec::new()
            });
            for arn in orphans {
                match runtime.adopt(&store, &arn, false) {
                    Ok(true) => tracing::info!("took over execution {arn}"),
                    Ok(false) => {}
                    Err(e) => tracing::error!("cannot take over execution {arn}: {e}"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start lease keeping: {e}");
    }
}
