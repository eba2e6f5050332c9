//! Chained invokes: a parent's operation starts a child execution, and the child's end
//! completes the parent's operation.

use super::driver::STORE_RETRY;
use super::runtime::{Runtime, StartOptions};
use crate::service::execution::{ParentLink, PendingInvoke};
use crate::service::{ExecutionCell, ServiceError};

impl Runtime {
    /// Starts the child execution of a chained invoke; an unstartable one fails the
    /// parent's operation at once.
    pub(super) fn start_chained(&self, parent: &ExecutionCell, invoke: PendingInvoke) {
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
        if let Err(e) = started {
            let error = crate::model::ErrorObject::new("ServiceException", e.to_string());
            self.complete_parent(
                &link,
                (crate::model::ExecutionStatus::Failed, None, Some(error)),
            );
        }
    }

    /// Reports a child execution's end to the parent operation waiting for it.
    pub(super) fn complete_parent(
        &self,
        link: &ParentLink,
        (status, result, error): (
            crate::model::ExecutionStatus,
            Option<String>,
            Option<crate::model::ErrorObject>,
        ),
    ) {
        // Only a parent held here can take the report (not a read-only copy of one
        // another server runs).
        let Some(parent) = self.inner.service.local(&link.arn) else {
            return;
        };
        loop {
            let reported = parent.update(|p| {
                p.complete_chained_invoke(&link.op_id, status, result.clone(), error.clone())
            });
            match reported {
                Ok(()) => return,
                // The parent waits for this report: retry until the store takes it.
                Err(ServiceError::Service(e)) if !parent.is_lost() => {
                    tracing::warn!("chained invoke {} not yet reported: {e}", link.op_id);
                    std::thread::sleep(STORE_RETRY);
                }
                Err(e) => {
                    tracing::warn!("chained invoke {} not reported: {e}", link.op_id);
                    return;
                }
            }
        }
    }
}
