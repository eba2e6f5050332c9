//! Chained invokes: a parent's operation starts a child execution, and the child's end
//! completes the parent's operation.

use super::driver::STORE_RETRY;
use super::runtime::{Runtime, RuntimeError, StartOptions};
use crate::model::{ErrorObject, ExecutionStatus};
use crate::service::execution::{ParentLink, PendingInvoke};
use crate::service::{ExecutionCell, ServiceError};

/// How a child execution ended: status, result, error.
pub(super) type ChildOutcome = (ExecutionStatus, Option<String>, Option<ErrorObject>);

impl Runtime {
    /// Starts the children of the parent's pending chained invokes (skipping any a
    /// previous attempt started before a crash), then records them started.
    pub(super) fn start_pending_children(&self, parent: &ExecutionCell) {
        let pending = parent.lock().pending_invokes().to_vec();
        if pending.is_empty() {
            return;
        }
        let mut settled = Vec::new();
        for invoke in pending {
            let known = match self.inner.service.get(&invoke.child_arn) {
                Ok(_) => true,
                Err(ServiceError::ResourceNotFound(_)) => false,
                // The store cannot say: try again later rather than start it twice.
                Err(_) => continue,
            };
            if known || self.start_chained(parent, &invoke) {
                settled.push(invoke.op_id);
            }
        }
        if settled.is_empty() {
            return;
        }
        if let Err(e) = parent.update(|p| p.started_invokes(&settled)) {
            // Still pending in the store: the next resume finds the children started.
            tracing::warn!("chained invokes started but not recorded: {e}");
        }
    }

    /// Completes the parent's chained invokes whose children ended without telling it:
    /// run by another server sharing the store (after a takeover), or ended while
    /// nobody held the parent (a crash between the child's end and its report).
    pub(super) fn collect_finished_children(&self, parent: &ExecutionCell) {
        let open = parent.lock().open_invokes();
        for invoke in open {
            let Ok(child) = self.inner.service.get(&invoke.child_arn) else {
                continue;
            };
            let outcome = {
                let c = child.lock();
                if !c.status.is_terminal() {
                    continue;
                }
                (c.status, c.result.clone(), c.error.clone())
            };
            self.report_to(parent, &invoke.op_id, outcome);
        }
    }

    /// Starts the child execution of a chained invoke; an unstartable one fails the
    /// parent's operation at once. False when the store refused the child: try again.
    fn start_chained(&self, parent: &ExecutionCell, invoke: &PendingInvoke) -> bool {
        let (
            parent_arn,
            region,
            account_id,
            skip_time,
            fire_callback_timeouts,
            manual_clock,
            mocks,
        ) = {
            let p = parent.lock();
            (
                p.arn.clone(),
                p.spec.region.clone(),
                p.spec.account_id.clone(),
                p.clock.skips_time(),
                p.spec.fire_callback_timeouts,
                p.spec.manual_clock,
                p.spec.mocks.clone(),
            )
        };
        let link = ParentLink {
            arn: parent_arn,
            op_id: invoke.op_id.clone(),
        };
        let options = StartOptions {
            execution_name: Some(invoke.execution_name.clone()),
            skip_time,
            fire_callback_timeouts,
            manual_clock,
            mocks,
            chaos: None,
            region,
            account_id,
        };
        let started = self.function(&invoke.function_name).and_then(|function| {
            self.start_with(
                function,
                &invoke.input,
                options,
                Some(invoke.invocation_id.clone()),
                Some(link.clone()),
            )
        });
        match started {
            // Started by an earlier attempt, on this server or another sharing the store.
            Ok(_) | Err(RuntimeError::Service(ServiceError::NameTaken(_))) => true,
            Err(RuntimeError::Service(ServiceError::Service(e))) => {
                tracing::warn!("chained invoke {} not started yet: {e}", invoke.op_id);
                false
            }
            Err(e) => {
                let error = ErrorObject::new("ServiceException", e.to_string());
                self.complete_parent(&link, (ExecutionStatus::Failed, None, Some(error)));
                true
            }
        }
    }

    /// Reports a child execution's end to the parent operation waiting for it.
    pub(super) fn complete_parent(&self, link: &ParentLink, outcome: ChildOutcome) {
        // Only a parent held here can take the report (not a read-only copy of one
        // another server runs): that server collects it from the store.
        if let Some(parent) = self.inner.service.local(&link.arn) {
            self.report_to(&parent, &link.op_id, outcome);
        }
    }

    /// Completes the parent's operation `op_id` with its child's outcome.
    fn report_to(&self, parent: &ExecutionCell, op_id: &str, outcome: ChildOutcome) {
        let (status, result, error) = outcome;
        loop {
            let reported = parent.update(|p| {
                p.complete_chained_invoke(op_id, status, result.clone(), error.clone())
            });
            match reported {
                Ok(()) => return,
                // The parent waits for this report: retry until the store takes it.
                Err(ServiceError::Service(e)) if !parent.is_lost() => {
                    tracing::warn!("chained invoke {op_id} not yet reported: {e}");
                    std::thread::sleep(STORE_RETRY);
                }
                Err(e) => {
                    tracing::warn!("chained invoke {op_id} not reported: {e}");
                    return;
                }
            }
        }
    }
}
