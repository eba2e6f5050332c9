//! Rust guest SDK for durabox: AWS Lambda durable functions as WebAssembly components.
//!
//! ```ignore
//! use durabox_sdk::{DurableContext, DurableResult};
//!
//! fn handler(ctx: &DurableContext, _input: serde_json::Value) -> DurableResult<String> {
//!     let greeting: String = ctx.step("greet", |_| Ok("hello".to_string()))?;
//!     ctx.wait(std::time::Duration::from_secs(5))?;
//!     Ok(greeting)
//! }
//!
//! durabox_sdk::handler!(handler);
//! ```
//!
//! The host (durabox) owns replay, operation ids and retries; this crate wraps the
//! `durabox:durable` WIT world in closures, `?` and serde.

mod batch;
mod callback;
mod condition;
mod config;
mod context;
mod error;
mod invoke;
mod plugin;
mod serdes;
mod step;

/// Bindings generated from `wit/durable.wit`; guests normally need none of it.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "durable-function",
        pub_export_macro: true,
        additional_type_attributes: {
            "durabox:durable/types@0.1.0/error-object": [#[derive(PartialEq, Eq)]],
        },
    });
}

pub use batch::{
    BatchItem, BatchItemStatus, BatchResult, BranchFn, CompletionConfig, CompletionReason,
    ItemNamer, MapConfig, Nesting, ParallelBranch, ParallelConfig,
};
pub use bindings::durabox::durable::types::{ErrorObject, LogLevel};
pub use callback::Callback;
pub use condition::{
    ConditionContext, WaitDecision, WaitFn, WaitForConditionConfig, WaitStrategy,
    WaitStrategyConfig,
};
pub use config::{
    Backoff, CallbackConfig, JitterStrategy, RetryDecision, RetryFn, RetryPreset, RetryPresets,
    RetryStrategy, RetryStrategyConfig, StepConfig, StepSemantics, WaitForCallbackConfig,
};
pub use context::{DurableContext, Logger, LoggerConfig, OperationName};
pub use error::{DurableError, DurableResult, Error};
pub use invoke::InvokeConfig;
pub use plugin::{
    AttemptEndInfo, AttemptInfo, InvocationEndInfo, InvocationStartInfo, InvocationStatus,
    OperationEndInfo, OperationInfo, OperationKind, OperationOutcome, Plugin,
};
pub use serdes::{JsonSerdes, Serdes};
pub use step::StepContext;

/// Exports `$handler` as the component's `durabox:durable/handler`.
///
/// `$handler` is any `Fn(&DurableContext, I) -> DurableResult<O>` where `I: DeserializeOwned`
/// (the execution input; an empty input reads as `{}`) and `O: Serialize` (the result).
/// `Ok` ends the execution with the JSON of the value, [`DurableError::Suspended`] ends the
/// invocation as pending, and any other error fails the execution with its `ErrorObject`.
///
/// `handler!(f, plugins = make_plugins)` also registers [`Plugin`]s: `make_plugins` is a
/// `fn() -> Vec<Box<dyn Plugin>>` called at the start of every invocation.
#[macro_export]
macro_rules! handler {
    ($handler:expr) => {
        $crate::handler!($handler, plugins = ::std::vec::Vec::new);
    };
    ($handler:expr, plugins = $plugins:expr) => {
        const _: () = {
            struct DuraboxHandler;

            impl $crate::__private::Guest for DuraboxHandler {
                fn handle(
                    ctx: &$crate::__private::Context,
                    input: ::std::string::String,
                ) -> $crate::__private::InvocationOutput {
                    $crate::__private::run(ctx, &input, $handler, $plugins())
                }
            }

    $crate::bindings::export!(DuraboxHandler with_types_in $crate::bindings);
        };
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::durabox::durable::types::{Context, InvocationOutput};
    pub use crate::bindings::exports::durabox::durable::handler::Guest;

    use crate::bindings::durabox::durable::types::{handler_started, invocation_envelope};
    use crate::plugin::{self, InvocationEndInfo, InvocationStartInfo, InvocationStatus, Plugin};
    use crate::{DurableContext, DurableError, DurableResult};
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    /// Runs a handler (with its plugins' invocation hooks around it) and maps its result
    /// to the invocation output.
    pub fn run<I, O, F>(
        ctx: &Context,
        input: &str,
        handler: F,
        plugins: Vec<Box<dyn Plugin>>,
    ) -> InvocationOutput
    where
        I: DeserializeOwned,
        O: Serialize,
        F: FnOnce(&DurableContext<'_>, I) -> DurableResult<O>,
    {
        handler_started();
        plugin::install(plugins);
        // Only plugins need the ARN: no host call otherwise.
        let execution_arn = plugin::active().then(|| ctx.execution_arn());
        if let Some(execution_arn) = &execution_arn {
            let info = InvocationStartInfo {
                execution_arn: execution_arn.clone(),
                is_first_invocation: is_first_invocation(),
            };
            plugin::emit(|p| p.on_invocation_start(&info));
        }
        // AWS hands a blank input to the handler as `{}`.
        let input = if input.trim().is_empty() { "{}" } else { input };
        let result = serde_json::from_str(input)
            .map_err(DurableError::from)
            .and_then(|input| handler(&DurableContext::new(ctx), input))
            .and_then(|output| Ok(serde_json::to_string(&output)?));
        let (output, status) = match result {
            Ok(json) => (
                InvocationOutput::Succeeded(Some(json)),
                InvocationStatus::Succeeded,
            ),
            Err(DurableError::Suspended) => (InvocationOutput::Pending, InvocationStatus::Pending),
            Err(e) => (
                InvocationOutput::Failed(e.to_error_object()),
                InvocationStatus::Failed,
            ),
        };
        if let Some(execution_arn) = execution_arn {
            let info = InvocationEndInfo {
                execution_arn,
                status,
            };
            plugin::emit(|p| p.on_invocation_end(&info));
        }
        output
    }

    /// Whether no operation but the execution itself was recorded before this invocation.
    fn is_first_invocation() -> bool {
        let envelope: serde_json::Value =
            serde_json::from_str(&invocation_envelope()).unwrap_or_default();
        envelope["InitialExecutionState"]["Operations"]
            .as_array()
            .is_none_or(|ops| ops.iter().all(|op| op["Type"] == "EXECUTION"))
    }
}
