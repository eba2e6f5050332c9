//! Chained invoke: call another registered function; its execution's result comes back.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::finish;
use crate::{DurableContext, DurableError, DurableResult, JsonSerdes, OperationName, Serdes};

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
        let payload = serde_json::to_string(payload)?;
        self.invoke_raw(name, function, &payload, config, &JsonSerdes::new())
    }

    /// [`invoke_with_config`](Self::invoke_with_config) with custom serdes (AWS
    /// `InvokeConfig.payloadSerdes` / `resultSerdes`): the target receives
    /// `payload_serdes.serialize(payload)` (which must be JSON, the target's input), and the
    /// target's result payload is read back with `result_serdes.deserialize`.
    pub fn invoke_with_serdes<I, O>(
        &self,
        name: impl OperationName,
        function: &str,
        payload: &I,
        config: InvokeConfig,
        payload_serdes: &dyn Serdes<I>,
        result_serdes: &dyn Serdes<O>,
    ) -> DurableResult<O> {
        let payload = payload_serdes.serialize(payload)?;
        self.invoke_raw(name, function, &payload, config, result_serdes)
    }

    fn invoke_raw<O>(
        &self,
        name: impl OperationName,
        function: &str,
        payload: &str,
        config: InvokeConfig,
        result_serdes: &dyn Serdes<O>,
    ) -> DurableResult<O> {
        let name = name.into_name();
        let outcome = self.raw.invoke(
            name.as_deref(),
            function,
            Some(payload),
            config.tenant_id.as_deref(),
        )?;
        finish(outcome, None, result_serdes, DurableError::InvokeFailed)
    }
}
