//! Host side of the WIT world: the guest's durable calls land here, are converted to
//! engine types and handed to the replay engine under the execution's lock.

use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::model::ids::SdkFlavour;
use crate::model::{ErrorObject, OperationUpdate};
use crate::replay::retry::{Backoff, Jitter, RetryPolicy, RetryPreset, WaitStrategy};
use crate::replay::{self, ContextHandle, OpError, ReplayEngine, ReplayFault};
use crate::service::{ExecutionCell, ServiceError};

wasmtime::component::bindgen!({
    world: "durable-function",
    path: "../wit",
    imports: { default: trappable },
    with: {
        "durabox:durable/types.context": ContextRes,
        "durabox:durable/types.batch": BatchRes,
    },
});

use self::durabox::durable::types as wit;

/// The host's view of a guest `context` resource.
pub struct ContextRes {
    handle: ContextHandle,
}

/// The host's view of a guest `batch` resource.
pub struct BatchRes {
    handle: replay::BatchHandle,
}

/// Per-invocation store data.
pub struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) limiter: super::limits::MemoryLimiter,
    cell: Arc<ExecutionCell>,
    pub(super) engine: ReplayEngine,
    arn: String,
    /// The first fault reported to the guest (it traps right after).
    pub(super) fault: Option<ReplayFault>,
    lint: Arc<super::lint::DeterminismLint>,
    /// The guest's stdout, to place each log line among what it printed.
    stdout: super::output::CappedOutput,
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl GuestState {
    /// A guest log line; `while_replaying` keeps it even where the context replays.
    fn log_line(
        &mut self,
        ctx: Resource<ContextRes>,
        level: wit::LogLevel,
        message: String,
        while_replaying: bool,
    ) -> wasmtime::Result<()> {
        let handle = self.handle(&ctx)?;
        let level = match level {
            wit::LogLevel::Debug => "DEBUG",
            wit::LogLevel::Info => "INFO",
            wit::LogLevel::Warn => "WARN",
            wit::LogLevel::Error => "ERROR",
        };
        let stdout_offset = self.stdout.kept_bytes();
        let execution = self.cell.lock();
        self.engine.log(
            &execution,
            handle,
            level,
            message,
            while_replaying,
            stdout_offset,
        );
        Ok(())
    }

    pub fn new(
        wasi: WasiCtx,
        limiter: super::limits::MemoryLimiter,
        cell: Arc<ExecutionCell>,
        execution_id: &str,
        arn: String,
        lint: Arc<super::lint::DeterminismLint>,
        stdout: super::output::CappedOutput,
    ) -> Self {
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter,
            cell,
            engine: ReplayEngine::new(execution_id),
            arn,
            fault: None,
            lint,
            stdout,
        }
    }

    pub fn root_context(&mut self) -> wasmtime::Result<Resource<ContextRes>> {
        Ok(self.table.push(ContextRes {
            handle: ReplayEngine::ROOT,
        })?)
    }

    fn handle(&self, res: &Resource<ContextRes>) -> wasmtime::Result<ContextHandle> {
        Ok(self.table.get(res)?.handle)
    }

    /// Runs an engine call under the execution lock, turning faults into traps.
    fn engine_call<T>(
        &mut self,
        f: impl FnOnce(&mut ReplayEngine, &mut crate::service::Execution) -> replay::OpResult<T>,
    ) -> wasmtime::Result<Result<T, wit::OpError>> {
        let engine = &mut self.engine;
        let result = self
            .cell
            .update_deferred(|execution| f(engine, execution))
            .unwrap_or_else(|e| Err(ReplayFault::NotStored(e.to_string())));
        let (last, issued) = self.engine.position();
        self.lint
            .set_position(last, issued, self.engine.inside_step());
        self.op_result(result)
    }

    /// An engine call that neither reads nor changes the execution (batch bookkeeping):
    /// no lock and no store write, faults still become traps.
    fn engine_only<T>(
        &mut self,
        f: impl FnOnce(&mut ReplayEngine) -> replay::OpResult<T>,
    ) -> wasmtime::Result<Result<T, wit::OpError>> {
        let result = f(&mut self.engine);
        self.op_result(result)
    }

    fn op_result<T>(
        &mut self,
        result: replay::OpResult<T>,
    ) -> wasmtime::Result<Result<T, wit::OpError>> {
        match result {
            Ok(Ok(value)) => Ok(Ok(value)),
            Ok(Err(op_error)) => Ok(Err(op_error.into())),
            Err(fault) => {
                self.fault.get_or_insert(fault.clone());
                Err(wasmtime::Error::new(fault))
            }
        }
    }
}

// ---- conversions between WIT and engine types ---------------------------------------

impl From<OpError> for wit::OpError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Suspended => wit::OpError::Suspended,
            OpError::InvalidArgument(m) => wit::OpError::InvalidArgument(m),
        }
    }
}

impl From<wit::ErrorObject> for ErrorObject {
    fn from(e: wit::ErrorObject) -> Self {
        ErrorObject {
            error_type: e.error_type,
            error_message: e.error_message,
            error_data: e.error_data,
            stack_trace: e.stack_trace,
        }
    }
}

impl From<ErrorObject> for wit::ErrorObject {
    fn from(e: ErrorObject) -> Self {
        wit::ErrorObject {
            error_type: e.error_type,
            error_message: e.error_message,
            error_data: e.error_data,
            stack_trace: e.stack_trace,
        }
    }
}

impl From<replay::Outcome> for wit::Outcome {
    fn from(o: replay::Outcome) -> Self {
        match o {
            replay::Outcome::Succeeded(p) => wit::Outcome::Succeeded(p),
            replay::Outcome::Failed(e) => wit::Outcome::Failed(e.into()),
        }
    }
}

fn jitter(j: wit::Jitter) -> Jitter {
    match j {
        wit::Jitter::None => Jitter::None,
        wit::Jitter::Full => Jitter::Full,
        wit::Jitter::Half => Jitter::Half,
    }
}

fn preset(p: wit::RetryPreset) -> RetryPreset {
    match p {
        wit::RetryPreset::Default => RetryPreset::Default,
        wit::RetryPreset::None => RetryPreset::None,
        wit::RetryPreset::Transient => RetryPreset::Transient,
        wit::RetryPreset::ResourceAvailability => RetryPreset::ResourceAvailability,
        wit::RetryPreset::Critical => RetryPreset::Critical,
        wit::RetryPreset::Linear => RetryPreset::Linear,
    }
}

/// Resolves a WIT retry strategy; a bad pattern is an invalid argument.
fn retry_policy(strategy: wit::RetryStrategy) -> Result<RetryPolicy, String> {
    Ok(match strategy {
        wit::RetryStrategy::Preset(p) => RetryPolicy::preset(preset(p)),
        wit::RetryStrategy::Fixed((attempts, interval)) => RetryPolicy::fixed(attempts, interval),
        wit::RetryStrategy::Custom(c) => {
            if c.max_attempts == 0 {
                return Err("retry strategy max-attempts must be at least 1".into());
            }
            let patterns = match c.retryable_error_patterns {
                Some(list) => Some(
                    list.iter()
                        .map(|p| {
                            regex::Regex::new(p)
                                .map_err(|e| format!("invalid retryable error pattern '{p}': {e}"))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            RetryPolicy {
                max_attempts: c.max_attempts,
                initial_delay_seconds: c.initial_delay_seconds,
                max_delay_seconds: c.max_delay_seconds,
                backoff: match c.backoff {
                    wit::Backoff::Exponential => Backoff::Exponential {
                        rate: c.backoff_rate,
                    },
                    wit::Backoff::Linear => Backoff::Linear {
                        increment: c.increment_seconds,
                    },
                },
                jitter: jitter(c.jitter),
                retryable_patterns: patterns,
                retryable_types: c.retryable_error_types,
            }
        }
    })
}

// ---- the imported interface ------------------------------------------------------

impl wit::HostContext for GuestState {
    fn id(&mut self, ctx: Resource<ContextRes>) -> wasmtime::Result<Option<String>> {
        let handle = self.handle(&ctx)?;
        Ok(self.engine.context_id(handle).map(str::to_owned))
    }

    fn execution_arn(&mut self, _ctx: Resource<ContextRes>) -> wasmtime::Result<String> {
        Ok(self.arn.clone())
    }

    fn step_begin(
        &mut self,
        ctx: Resource<ContextRes>,
        name: Option<String>,
        config: wit::StepConfig,
    ) -> wasmtime::Result<Result<wit::StepStart, wit::OpError>> {
        let handle = self.handle(&ctx)?;
        let retry = match config.retry.map(retry_policy).transpose() {
            Ok(retry) => retry,
            Err(message) => return Ok(Err(wit::OpError::InvalidArgument(message))),
        };
        let config = replay::StepConfig {
            retry,
            semantics: match config.semantics {
                wit::StepSemantics::AtLeastOncePerRetry => {
                    replay::StepSemantics::AtLeastOncePerRetry
                }
                wit::StepSemantics::AtMostOncePerRetry => replay::StepSemantics::AtMostOncePerRetry,
            },
            sub_type: config.sub_type,
        };
        let result =
            self.engine_call(|engine, ex| engine.step_begin(ex, handle, name.as_deref(), config))?;
        Ok(result.map(|start| match start {
            replay::StepStart::Done(outcome) => wit::StepStart::Done(outcome.into()),
            replay::StepStart::Run { id, attempt } => {
                wit::StepStart::Run(wit::StepAttempt { id, attempt })
            }
        }))
    }

    fn step_end(
        &mut self,
        _ctx: Resource<ContextRes>,
        id: String,
        body: Result<Option<String>, wit::ErrorObject>,
        decision: Option<wit::RetryDecision>,
    ) -> wasmtime::Result<Result<wit::Outcome, wit::OpError>> {
        let body = body.map_err(ErrorObject::from);
        let decision = decision.map(|d| replay::RetryDecision {
            should_retry: d.should_retry,
            delay_seconds: d.delay_seconds,
        });
        let result = self.engine_call(|engine, ex| engine.step_end(ex, &id, body, decision))?;
        Ok(result.map(Into::into))
    }

    fn wait(
        &mut self,
        ctx: Resource<ContextRes>,
        name: Option<String>,
        seconds: u64,
    ) -> wasmtime::Result<Result<(), wit::OpError>> {
        let handle = self.handle(&ctx)?;
        self.engine_call(|engine, ex| engine.wait(ex, handle, name.as_deref(), seconds))
    }

    fn child_begin(
        &mut self,
        ctx: Resource<ContextRes>,
        name: Option<String>,
        sub_type: Option<String>,
    ) -> wasmtime::Result<Result<wit::ChildStart, wit::OpError>> {
        let handle = self.handle(&ctx)?;
        let result = self.engine_call(|engine, ex| {
            engine.child_begin(ex, handle, name.as_deref(), sub_type.as_deref())
        })?;
        Ok(match result {
            Ok(replay::ChildStart::Done(outcome)) => Ok(wit::ChildStart::Done(outcome.into())),
            Ok(replay::ChildStart::Run(child)) => Ok(wit::ChildStart::Run(
                self.table.push(ContextRes { handle: child })?,
            )),
            Err(e) => Err(e),
        })
    }

    fn create_callback(
        &mut self,
        ctx: Resource<ContextRes>,
        name: Option<String>,
        config: wit::CallbackConfig,
    ) -> wasmtime::Result<Result<wit::CallbackHandle, wit::OpError>> {
        let handle = self.handle(&ctx)?;
        let config = replay::CallbackConfig {
            timeout_seconds: config.timeout_seconds,
            heartbeat_timeout_seconds: config.heartbeat_timeout_seconds,
            sub_type: config.sub_type,
        };
        let result = self.engine_call(|engine, ex| {
            engine.create_callback(ex, handle, name.as_deref(), config)
        })?;
        Ok(result.map(|(id, callback_id)| wit::CallbackHandle { id, callback_id }))
    }

    fn callback_result(
        &mut self,
        ctx: Resource<ContextRes>,
        id: String,
    ) -> wasmtime::Result<Result<wit::CallbackOutcome, wit::OpError>> {
        let handle = self.handle(&ctx)?;
        let result = self.engine_call(|engine, ex| engine.callback_result(ex, handle, &id))?;
        Ok(result.map(|outcome| match outcome {
            replay::CallbackOutcome::Succeeded(p) => wit::CallbackOutcome::Succeeded(p),
            replay::CallbackOutcome::Failed(e) => wit::CallbackOutcome::Failed(e.into()),
            replay::CallbackOutcome::TimedOut(e) => wit::CallbackOutcome::TimedOut(e.into()),
        }))
    }

    fn batch_begin(
        &mut self,
        ctx: Resource<ContextRes>,
        name: Option<String>,
        kind: wit::BatchKind,
        count: u32,
        config: wit::BatchConfig,
    ) -> wasmtime::Result<Result<wit::BatchStart, wit::OpError>> {
        let handle = self.handle(&ctx)?;
        let kind = match kind {
            wit::BatchKind::Map => replay::BatchKind::Map,
            wit::BatchKind::Parallel => replay::BatchKind::Parallel,
        };
        let config = batch_config(config);
        let result = self.engine_call(|engine, ex| {
            engine.batch_begin(ex, handle, name.as_deref(), kind, count, config)
        })?;
        Ok(match result {
            Ok(replay::BatchStart::Done(done)) => Ok(wit::BatchStart::Done(wit::BatchDone {
                outcome: done.outcome.map(Into::into),
                payload: done.payload,
            })),
            Ok(replay::BatchStart::Failed(error)) => Ok(wit::BatchStart::Failed(error.into())),
            Ok(replay::BatchStart::Run(batch)) => Ok(wit::BatchStart::Run(
                self.table.push(BatchRes { handle: batch })?,
            )),
            Err(e) => Err(e),
        })
    }

    fn condition_begin(
        &mut self,
        ctx: Resource<ContextRes>,
        name: Option<String>,
        initial_state: String,
    ) -> wasmtime::Result<Result<wit::ConditionStart, wit::OpError>> {
        let handle = self.handle(&ctx)?;
        let result = self.engine_call(|engine, ex| {
            engine.condition_begin(ex, handle, name.as_deref(), initial_state)
        })?;
        Ok(result.map(|start| match start {
            replay::ConditionStart::Done(outcome) => wit::ConditionStart::Done(outcome.into()),
            replay::ConditionStart::Check { id, attempt, state } => {
                wit::ConditionStart::Check(wit::ConditionCheck { id, attempt, state })
            }
        }))
    }

    fn condition_end(
        &mut self,
        _ctx: Resource<ContextRes>,
        id: String,
        checked: Result<String, wit::ErrorObject>,
        decision: wit::ConditionDecision,
    ) -> wasmtime::Result<Result<wit::Outcome, wit::OpError>> {
        let decision = match decision {
            wit::ConditionDecision::Stop => replay::ConditionDecision::Stop,
            wit::ConditionDecision::ContinueAfter(seconds) => {
                replay::ConditionDecision::ContinueAfter(seconds)
            }
            wit::ConditionDecision::ContinueWith(c) => {
                replay::ConditionDecision::ContinueWith(WaitStrategy {
                    max_attempts: c.max_attempts,
                    initial_delay_seconds: c.initial_delay_seconds,
                    max_delay_seconds: c.max_delay_seconds,
                    backoff_rate: c.backoff_rate,
                    jitter: jitter(c.jitter),
                })
            }
        };
        let checked = checked.map_err(ErrorObject::from);
        let result =
            self.engine_call(|engine, ex| engine.condition_end(ex, &id, checked, decision))?;
        Ok(result.map(Into::into))
    }

    fn invoke(
        &mut self,
        ctx: Resource<ContextRes>,
        name: Option<String>,
        function_name: String,
        payload: Option<String>,
        tenant_id: Option<String>,
    ) -> wasmtime::Result<Result<wit::Outcome, wit::OpError>> {
        let handle = self.handle(&ctx)?;
        let result = self.engine_call(|engine, ex| {
            engine.invoke(
                ex,
                handle,
                name.as_deref(),
                &function_name,
                payload,
                tenant_id,
            )
        })?;
        Ok(result.map(Into::into))
    }

    fn log(
        &mut self,
        ctx: Resource<ContextRes>,
        level: wit::LogLevel,
        message: String,
    ) -> wasmtime::Result<()> {
        self.log_line(ctx, level, message, false)
    }

    fn log_always(
        &mut self,
        ctx: Resource<ContextRes>,
        level: wit::LogLevel,
        message: String,
    ) -> wasmtime::Result<()> {
        self.log_line(ctx, level, message, true)
    }

    fn drop(&mut self, ctx: Resource<ContextRes>) -> wasmtime::Result<()> {
        let res = self.table.delete(ctx)?;
        if res.handle != ReplayEngine::ROOT {
            self.engine.child_drop(res.handle);
        }
        Ok(())
    }
}

fn batch_config(config: wit::BatchConfig) -> replay::BatchConfig {
    replay::BatchConfig {
        max_concurrency: config.max_concurrency,
        completion: replay::CompletionConfig {
            min_successful: config.completion.min_successful,
            tolerated_failure_count: config.completion.tolerated_failure_count,
            tolerated_failure_percentage: config.completion.tolerated_failure_percentage,
        },
        nesting: match config.nesting {
            wit::Nesting::Nested => replay::Nesting::Nested,
            wit::Nesting::Flat => replay::Nesting::Flat,
        },
        branch_names: config.branch_names,
    }
}

impl From<replay::BatchOutcome> for wit::BatchOutcome {
    fn from(outcome: replay::BatchOutcome) -> Self {
        wit::BatchOutcome {
            items: outcome
                .all
                .into_iter()
                .map(|item| wit::BatchItem {
                    index: item.index,
                    status: item.status.into(),
                    result: item.result,
                    error: item.error.map(Into::into),
                })
                .collect(),
            completion_reason: match outcome.completion_reason {
                replay::CompletionReason::AllCompleted => wit::CompletionReason::AllCompleted,
                replay::CompletionReason::MinSuccessfulReached => {
                    wit::CompletionReason::MinSuccessfulReached
                }
                replay::CompletionReason::FailureToleranceExceeded => {
                    wit::CompletionReason::FailureToleranceExceeded
                }
                replay::CompletionReason::CustomCompletionSucceeded => {
                    wit::CompletionReason::CustomCompletionSucceeded
                }
                replay::CompletionReason::CustomCompletionFailed => {
                    wit::CompletionReason::CustomCompletionFailed
                }
            },
        }
    }
}

impl From<replay::ItemStatus> for wit::ItemStatus {
    fn from(status: replay::ItemStatus) -> Self {
        match status {
            replay::ItemStatus::Succeeded => wit::ItemStatus::Succeeded,
            replay::ItemStatus::Failed => wit::ItemStatus::Failed,
            replay::ItemStatus::Started => wit::ItemStatus::Started,
        }
    }
}

impl wit::HostBatch for GuestState {
    fn next(
        &mut self,
        batch: Resource<BatchRes>,
    ) -> wasmtime::Result<Result<Option<wit::Branch>, wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        match self.engine_call(|engine, ex| engine.next_branch(ex, handle))? {
            Err(e) => Ok(Err(e)),
            Ok(replay::NextBranch::Finish) => Ok(Ok(None)),
            Ok(replay::NextBranch::Run { index, ctx }) => {
                let ctx = self.table.push(ContextRes { handle: ctx })?;
                Ok(Ok(Some(wit::Branch { index, ctx })))
            }
        }
    }

    fn branch_end(
        &mut self,
        batch: Resource<BatchRes>,
        index: u32,
        ctx: Resource<ContextRes>,
        body: Result<Option<String>, wit::ErrorObject>,
    ) -> wasmtime::Result<Result<(), wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        self.table.delete(ctx)?;
        let body = body.map_err(ErrorObject::from);
        self.engine_call(|engine, ex| engine.branch_end(ex, handle, index, body))
    }

    fn complete(
        &mut self,
        batch: Resource<BatchRes>,
        ended: Option<u32>,
    ) -> wasmtime::Result<bool> {
        let handle = self.table.get(&batch)?.handle;
        let complete = self.engine_only(|engine| engine.batch_complete(handle, ended).map(Ok))?;
        Ok(complete.unwrap_or(false))
    }

    fn settle(
        &mut self,
        batch: Resource<BatchRes>,
    ) -> wasmtime::Result<Result<wit::BatchOutcome, wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        let result = self.engine_only(|engine| engine.batch_settle(handle))?;
        Ok(result.map(Into::into))
    }

    fn finish(
        &mut self,
        batch: Resource<BatchRes>,
        payload: Option<String>,
    ) -> wasmtime::Result<Result<wit::BatchOutcome, wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        let result = self.engine_call(|engine, ex| engine.batch_finish(ex, handle, payload))?;
        Ok(result.map(Into::into))
    }

    fn progress(
        &mut self,
        batch: Resource<BatchRes>,
    ) -> wasmtime::Result<Vec<Option<wit::ItemStatus>>> {
        let handle = self.table.get(&batch)?.handle;
        let statuses = self.engine_only(|engine| Ok(Ok(engine.batch_progress(handle)?)))?;
        Ok(statuses
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.map(Into::into))
            .collect())
    }

    fn decide(
        &mut self,
        batch: Resource<BatchRes>,
        decision: Option<wit::CustomOutcome>,
    ) -> wasmtime::Result<Result<(), wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        let decision = decision.map(|d| match d {
            wit::CustomOutcome::Succeeded => replay::CustomOutcome::Succeeded,
            wit::CustomOutcome::Failed => replay::CustomOutcome::Failed,
        });
        self.engine_only(|engine| engine.batch_decide(handle, decision))
    }

    fn drop(&mut self, batch: Resource<BatchRes>) -> wasmtime::Result<()> {
        self.table.delete(batch)?;
        Ok(())
    }
}

impl wit::Host for GuestState {
    fn child_end(
        &mut self,
        child: Resource<ContextRes>,
        body: Result<Option<String>, wit::ErrorObject>,
    ) -> wasmtime::Result<Result<wit::Outcome, wit::OpError>> {
        let handle = self.table.delete(child)?.handle;
        let body = body.map_err(ErrorObject::from);
        let result = self.engine_call(|engine, ex| engine.child_end(ex, handle, body))?;
        Ok(result.map(Into::into))
    }

    fn declare_sdk(&mut self, flavour: wit::SdkFlavour) -> wasmtime::Result<()> {
        let scheme = match flavour {
            wit::SdkFlavour::Durabox => SdkFlavour::Durabox,
            wit::SdkFlavour::Python => SdkFlavour::Python,
            wit::SdkFlavour::Javascript => SdkFlavour::Js,
        };
        if let Err(fault) = self.engine.set_flavour(scheme) {
            self.fault.get_or_insert(fault.clone());
            return Err(wasmtime::Error::new(fault));
        }
        Ok(())
    }

    fn handler_started(&mut self) -> wasmtime::Result<()> {
        self.lint.handler_started();
        Ok(())
    }

    fn invocation_envelope(&mut self) -> wasmtime::Result<String> {
        let envelope = {
            let execution = self.cell.lock();
            serde_json::json!({
                "DurableExecutionArn": execution.arn,
                "CheckpointToken": execution.checkpoint_token(),
                "InitialExecutionState": {
                    "Operations": execution.replay_state(),
                    "NextMarker": "",
                },
                "UpdatedOperationIds": execution.updated_ids(),
            })
        };
        Ok(envelope.to_string())
    }

    fn checkpoint(
        &mut self,
        request: String,
    ) -> wasmtime::Result<Result<String, wit::ErrorObject>> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct CheckpointRequest {
            checkpoint_token: String,
            client_token: Option<String>,
            #[serde(default)]
            updates: Vec<OperationUpdate>,
        }
        let request: CheckpointRequest = match serde_json::from_str(&request) {
            Ok(r) => r,
            Err(e) => {
                let error = ServiceError::InvalidParameterValue(format!(
                    "Malformed checkpoint request: {e}"
                ));
                return Ok(Err(error.to_error_object().into()));
            }
        };
        let response = self.cell.update(|execution| {
            execution.checkpoint_request(
                &request.checkpoint_token,
                request.client_token.as_deref(),
                &request.updates,
            )
        });
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                let fault = ReplayFault::NotStored(e.to_string());
                self.fault.get_or_insert(fault.clone());
                return Err(wasmtime::Error::new(fault));
            }
        };
        Ok(response
            .map(|body| body.to_string())
            .map_err(|e| e.to_error_object().into()))
    }
}
