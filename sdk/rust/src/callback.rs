//! Callbacks: an external system completes them with SendDurableExecutionCallback*.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::durabox::durable::types::{self as wit, CallbackHandle, CallbackOutcome};
use crate::context::from_json;
use crate::{
    CallbackConfig, DurableContext, DurableError, DurableResult, Error, ErrorObject, JsonSerdes,
    OperationName, StepConfig, StepContext, WaitForCallbackConfig,
};

/// A created callback. Its result is read with [`Callback::result`], which suspends the
/// invocation until the callback completes.
pub struct Callback<'a> {
    raw: &'a wit::Context,
    /// The operation id, for `callback-result`.
    op_id: String,
    callback_id: String,
}

impl Callback<'_> {
    /// The id external systems pass to SendDurableExecutionCallbackSuccess/Failure/Heartbeat.
    pub fn id(&self) -> &str {
        &self.callback_id
    }

    /// The result parsed as JSON (an empty result reads as `null`).
    ///
    /// Fails with [`DurableError::CallbackFailed`] or [`DurableError::CallbackTimedOut`].
    pub fn result<T: DeserializeOwned>(&self) -> DurableResult<T> {
        from_json(self.result_raw()?.as_deref())
    }

    /// The result exactly as the external system sent it.
    pub fn result_raw(&self) -> DurableResult<Option<String>> {
        match self.raw.callback_result(&self.op_id)? {
            CallbackOutcome::Succeeded(payload) => Ok(payload),
            CallbackOutcome::Failed(e) => Err(DurableError::CallbackFailed(e)),
            CallbackOutcome::TimedOut(e) => Err(DurableError::CallbackTimedOut(e)),
        }
    }
}

impl<'a> DurableContext<'a> {
    pub fn create_callback(
        &self,
        name: impl OperationName,
        config: CallbackConfig,
    ) -> DurableResult<Callback<'a>> {
        let name = name.into_name();
        let CallbackHandle { id, callback_id } = self
            .raw
            .create_callback(name.as_deref(), &config.to_wit())?;
        Ok(Callback {
            raw: self.raw,
            op_id: id,
            callback_id,
        })
    }

    /// Creates a callback, hands its id to `submitter` (run as a step, e.g. to notify an
    /// approver) and waits for the result, all in one child context like the AWS SDKs.
    ///
    /// Every failure is reported as [`DurableError::CallbackFailed`] (including a failed
    /// submitter) or [`DurableError::CallbackTimedOut`], carrying the original error.
    pub fn wait_for_callback<T, F>(
        &self,
        name: impl OperationName,
        submitter: F,
        config: impl Into<WaitForCallbackConfig>,
    ) -> DurableResult<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&str, &StepContext<'_>) -> Result<(), Error>,
    {
        let name = name.into_name();
        let config = config.into();
        let inner = |what: &str| match &name {
            Some(name) => format!("{name} {what}"),
            None => what.to_string(),
        };
        let (create_name, submitter_name) = (inner("create callback id"), inner("submitter"));
        let serdes = JsonSerdes::new();
        let result = self.child(name.clone(), Some("WaitForCallback"), &serdes, |ctx| {
            let callback = ctx.create_callback(create_name, config.callback)?;
            let step_config = StepConfig {
                retry_strategy: config.retry_strategy,
                ..StepConfig::default()
            };
            ctx.step_with_config(submitter_name, step_config, |step| {
                submitter(callback.id(), step)
            })?;
            callback.result()
        });
        // The child records the inner error; classify it the same way on every replay.
        result.map_err(|e| match e {
            DurableError::ChildContextFailed(e) if is_timeout(&e) => {
                DurableError::CallbackTimedOut(e)
            }
            DurableError::ChildContextFailed(e) => DurableError::CallbackFailed(e),
            e => e,
        })
    }
}

fn is_timeout(e: &ErrorObject) -> bool {
    matches!(
        e.error_type.as_deref(),
        Some("Callback.Timeout" | "Callback.Heartbeat")
    )
}
