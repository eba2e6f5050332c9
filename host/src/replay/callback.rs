//! Callbacks: creation, and reading the result an external system sent.

use super::*;

impl ReplayEngine {
    /// Creates (or replays) a callback; returns (operation id, callback id).
    pub fn create_callback(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        config: CallbackConfig,
    ) -> OpResult<(String, String)> {
        let (id, parent) = self.next_id(ctx)?;
        let sub_type = config.sub_type.as_deref().unwrap_or("Callback");
        let request = Request {
            op_type: Type::Callback,
            sub_type,
            name,
            parent: parent.as_deref(),
        };
        if Self::recorded(execution, &id, &request)?.is_none() {
            if let Some(stop) = self.beyond_history(execution, ctx, &id, &request) {
                return stop;
            }
            let mut update = request.update(&id, Action::Start);
            update.callback_options = Some(CallbackOptions {
                timeout_seconds: config.timeout_seconds,
                heartbeat_timeout_seconds: config.heartbeat_timeout_seconds,
            });
            self.checkpoint(execution, update)?;
        }
        let callback_id = execution
            .operation(&id)
            .and_then(|op| op.callback_details.as_ref())
            .map(|d| d.callback_id.clone())
            .unwrap_or_default();
        Ok(Ok((id, callback_id)))
    }

    pub fn callback_result(
        &mut self,
        execution: &dyn ReplayHost,
        ctx: ContextHandle,
        id: &str,
    ) -> OpResult<CallbackOutcome> {
        if self.frame(ctx)?.suspended {
            return Err(ReplayFault::CallAfterSuspend);
        }
        let op = execution
            .operation(id)
            .filter(|op| op.op_type == Type::Callback)
            .ok_or_else(|| ReplayFault::UnknownHandle {
                what: "callback",
                id: id.to_owned(),
            })?;
        let error = || op.error().cloned().unwrap_or_default();
        let outcome = match op.status {
            Status::Succeeded => CallbackOutcome::Succeeded(op.result().map(str::to_owned)),
            Status::TimedOut => CallbackOutcome::TimedOut(error()),
            Status::Failed | Status::Cancelled | Status::Stopped => {
                CallbackOutcome::Failed(error())
            }
            _ => return self.suspend(ctx),
        };
        Ok(Ok(outcome))
    }
}
