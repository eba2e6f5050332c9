//! Suite `plugin` (10-x): instrumentation plugins. Each plugin prints one JSON record a
//! hook to plain stdout (`{"plugin", "hook", …, "durableExecutionArn"}`), stamped with
//! the ARN its invocation-start hook received, as the YAMLs ask.

use std::cell::RefCell;

use durabox_sdk::{
    AttemptEndInfo, AttemptInfo, DurableContext, DurableResult, Error, InvocationEndInfo,
    InvocationStartInfo, OperationEndInfo, OperationInfo, OperationKind, Plugin,
};
use serde_json::{json, Map, Value};

use crate::{input_str, secs, step};

/// The plugins requirement `id` registers (none outside suite 10).
pub(crate) fn plugins(id: &str) -> Vec<Box<dyn Plugin>> {
    match id {
        "10-1" | "10-6" | "10-7" => vec![Box::new(Recorder::new("CONFPLUGIN", Hooks::Invocation))],
        "10-2" => vec![Box::new(Recorder::new("CONFPLUGIN", Hooks::Operation))],
        "10-3" => vec![Box::new(Recorder::new("CONFPLUGIN", Hooks::Attempt))],
        "10-4" => vec![Box::new(Recorder::new("CONFPLUGIN-FAULTY", Hooks::Faulty))],
        "10-5" => vec![
            Box::new(Recorder::new("CONFPLUGIN-A", Hooks::Invocation)),
            Box::new(Recorder::new("CONFPLUGIN-B", Hooks::Invocation)),
        ],
        _ => Vec::new(),
    }
}

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    input: &Value,
) -> Option<DurableResult<Value>> {
    Some(match id {
        "10-1" | "10-2" | "10-4" | "10-5" => greet(ctx, input),
        // The same handlers as 1-11 (fails once, then succeeds) and 1-19 (always fails).
        "10-3" => step::retry_then_succeed(ctx),
        "10-6" => ctx.wait(secs(2)).map(|()| Value::Null),
        "10-7" => step::fails_permanently(ctx),
        _ => return None,
    })
}

/// A step greeting the input; its body logs `Greeting step running for: <input>`.
fn greet(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let who = input_str(input);
    let greeting: String = ctx.step("greet", |step| {
        step.logger()
            .info(format!("Greeting step running for: {who}"));
        Ok(format!("Hello, {who}!"))
    })?;
    Ok(json!(greeting))
}

/// Which hooks a [`Recorder`] prints.
#[derive(Clone, Copy, PartialEq)]
enum Hooks {
    Invocation,
    /// Operation hooks of steps.
    Operation,
    /// Attempt hooks of steps.
    Attempt,
    /// Every hook prints, then fails.
    Faulty,
}

struct Recorder {
    name: &'static str,
    hooks: Hooks,
    execution_arn: RefCell<String>,
}

impl Recorder {
    fn new(name: &'static str, hooks: Hooks) -> Self {
        Recorder {
            name,
            hooks,
            execution_arn: RefCell::default(),
        }
    }

    /// Prints `{"plugin", "hook", <fields>, "durableExecutionArn"}` if this recorder
    /// watches `kind` hooks; a faulty recorder then fails.
    fn print(&self, kind: Hooks, hook: &str, fields: Value) -> Result<(), Error> {
        if self.hooks != kind && self.hooks != Hooks::Faulty {
            return Ok(());
        }
        let mut record = Map::new();
        record.insert("plugin".into(), json!(self.name));
        record.insert("hook".into(), json!(hook));
        if self.hooks != Hooks::Faulty {
            if let Value::Object(fields) = fields {
                record.extend(fields);
            }
        }
        record.insert(
            "durableExecutionArn".into(),
            json!(*self.execution_arn.borrow()),
        );
        println!("{}", Value::Object(record));
        if self.hooks == Hooks::Faulty {
            return Err(Error::new(
                "PluginError",
                format!("{hook} hook failed on purpose"),
            ));
        }
        Ok(())
    }
}

/// Only step operations are of interest to the operation and attempt recorders.
fn is_step(operation: &OperationInfo) -> bool {
    operation.kind == OperationKind::Step
}

impl Plugin for Recorder {
    fn on_invocation_start(&self, info: &InvocationStartInfo) -> Result<(), Error> {
        *self.execution_arn.borrow_mut() = info.execution_arn.clone();
        let fields = json!({ "first": info.is_first_invocation });
        self.print(Hooks::Invocation, "invocation-start", fields)
    }

    fn on_invocation_end(&self, info: &InvocationEndInfo) -> Result<(), Error> {
        let fields = json!({ "status": info.status.as_str() });
        self.print(Hooks::Invocation, "invocation-end", fields)
    }

    fn on_operation_start(&self, info: &OperationInfo) -> Result<(), Error> {
        if !is_step(info) {
            return Ok(());
        }
        self.print(
            Hooks::Operation,
            "operation-start",
            json!({ "op": info.id }),
        )
    }

    fn on_operation_end(&self, info: &OperationEndInfo) -> Result<(), Error> {
        if !is_step(&info.operation) {
            return Ok(());
        }
        let fields = json!({ "op": info.operation.id, "status": info.status.as_str() });
        self.print(Hooks::Operation, "operation-end", fields)
    }

    fn on_attempt_start(&self, info: &AttemptInfo) -> Result<(), Error> {
        let fields = json!({ "n": info.attempt, "op": info.operation.id });
        self.print(Hooks::Attempt, "attempt-start", fields)
    }

    fn on_attempt_end(&self, info: &AttemptEndInfo) -> Result<(), Error> {
        let fields = json!({
            "n": info.attempt,
            "outcome": info.outcome.as_str(),
            "op": info.operation.id,
        });
        self.print(Hooks::Attempt, "attempt-end", fields)
    }
}
