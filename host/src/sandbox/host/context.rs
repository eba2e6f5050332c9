//! The `context` resource: each durable operation a guest starts on a context, converted
//! and handed to the replay engine.

use wasmtime::component::Resource;

use super::convert::{batch_config, batch_kind, condition_decision, step_config};
use super::{wit, BatchRes, ContextRes, GuestState};
use crate::model::ErrorObject;
use crate::replay::{self, ReplayEngine};

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
        let config = match step_config(config) {
            Ok(config) => config,
            Err(message) => return Ok(Err(wit::OpError::InvalidArgument(message))),
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
        let kind = batch_kind(kind);
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
        let decision = condition_decision(decision);
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
            let execution = self.cell.lock();
            self.engine.child_drop(res.handle, &*execution);
        }
        Ok(())
    }
}
