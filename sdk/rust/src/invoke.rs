//! Chained invoke: call another registered function; its execution's result comes back.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::finish;
use crate::{DurableContext, DurableError, DurableResult, JsonSerdes, OperationName};

/// AWS `InvokeConfig`.
#[derive(Clone, Debug, Default)]
pub struct InvokeConfig {
    pub tenant_id: Option<String>,
}

impl DurableContext<'_> {
    /// Invokes `function` with `payload` as its input and returns its result. A failed,
    /// timed-out or stopped target returns [`DurableError::InvokeFailed`]; while the
    /// target runs the invocation suspends.
    pub fn invoke<I, O>(
        &self,
        name: impl OperationName,
        function: &str,
        payload: &I,
    ) -> DurableResult<O>
    where
        I: Serialize,
        O: Serialize + DeserializeOwned,
    {
        self.invoke_with_config(name, function, payload, InvokeConfig::default())
    }

    pub fn invoke_with_config<I, O>(
        &self,
        name: impl OperationName,
        function: &str,
        payload: &I,
        config: InvokeConfig,
    ) -> DurableResult<O>
    where
        I: Serialize,
        O: Serialize + DeserializeOwned,
    {
        let name = name.into_name();
        let payload = serde_json::to_string(payload)?;
        let outcome = self.raw.invoke(
            name.as_deref(),
            function,
            Some(&payload),
            config.tenant_id.as_deref(),
        )?;
        finish(
            outcome,
            None,
            &JsonSerdes::new(),
            DurableError::InvokeFailed,
        )
    }
}
