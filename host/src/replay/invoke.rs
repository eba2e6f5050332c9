//! Chained invoke (reference §3.8): a CHAINED_INVOKE operation the service completes
//! when the target function's execution ends.

use super::{ContextHandle, OpResult, Outcome, ReplayEngine, Request};
use crate::model::{
    ChainedInvokeOptions, ErrorObject, OperationAction as Action, OperationStatus as Status,
    OperationType as Type,
};
use crate::replay::host::ReplayHost;

impl ReplayEngine {
    /// Invokes `function_name` with `payload` (JSON) or replays the recorded outcome.
    pub fn invoke(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        function_name: &str,
        payload: Option<String>,
        tenant_id: Option<String>,
    ) -> OpResult<Outcome> {
        let (id, parent) = self.next_id(ctx)?;
        let request = Request {
            op_type: Type::ChainedInvoke,
            sub_type: "ChainedInvoke",
            name,
            parent: parent.as_deref(),
        };
        if Self::recorded(execution, &id, &request)?.is_none() {
            if let Some(stop) = self.beyond_history(execution, ctx, &id, &request) {
                return stop;
            }
            let mut update = request.update(&id, Action::Start);
            update.payload = Some(payload.unwrap_or_else(|| "null".into()));
            update.chained_invoke_options = Some(ChainedInvokeOptions {
                function_name: function_name.to_owned(),
                tenant_id,
            });
            self.checkpoint(execution, update)?;
        }
        // The checkpoint may already have failed it (unknown target).
        let op = execution.operation(&id).expect("recorded or just started");
        let error = || {
            op.error()
                .cloned()
                .unwrap_or_else(|| ErrorObject::new("InvokeError", "Chained invoke failed."))
        };
        Ok(Ok(match op.status {
            Status::Succeeded => Outcome::Succeeded(op.result().map(str::to_owned)),
            Status::Started | Status::Pending | Status::Ready => return self.suspend(ctx),
            _ => Outcome::Failed(error()),
        }))
    }
}
