//! `durabox run`: one execution, in process, time skipped by default.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use durabox::runner::callback_script::{run_to_end, CallbackAction, CallbackScript};
use durabox::runner::{render_tree, FunctionConfig, Runtime, RuntimeOptions, StartOptions};
use durabox::{ExecutionResult, ExecutionStatus, Limits};

#[derive(Args)]
pub struct RunArgs {
    /// The handler component (.wasm).
    component: PathBuf,
    /// The execution input as JSON.
    #[arg(long, default_value = "{}")]
    input: String,
    /// Print one JSON object: {"Execution": GetDurableExecution, "Events": [history],
    /// "Operations": [the operation tree, AWS Operations], "Invocations": [logs, output]}.
    #[arg(long)]
    json: bool,
    /// Take waits and timeouts in real time instead of skipping them.
    #[arg(long)]
    no_skip_time: bool,
    /// Skip to callback timeouts too (by default a pending callback's timeout passes only
    /// in real time, so `--callback` answers or `--timeout` ends the run first).
    #[arg(long, conflicts_with = "no_skip_time")]
    fire_callback_timeouts: bool,
    /// Answer the callback named NAME (or the wait_for_callback named NAME) with the JSON
    /// result once it is pending (repeatable: answers callbacks of one name in order).
    #[arg(long = "callback", value_name = "NAME=JSON")]
    callbacks: Vec<String>,
    /// Fail the callback named NAME with the error message MSG once it is pending
    /// (repeatable).
    #[arg(long = "callback-fail", value_name = "NAME=MSG")]
    callback_failures: Vec<String>,
    /// Execution name (defaults to a fresh id).
    #[arg(long)]
    name: Option<String>,
    /// Fuel per invocation.
    #[arg(long, env = "DURABOX_FUEL")]
    fuel: Option<u64>,
    /// Memory cap per invocation, MiB.
    #[arg(long, env = "DURABOX_MEMORY_MB")]
    memory_mb: Option<usize>,
    /// Wall-clock limit per invocation, seconds.
    #[arg(long, env = "DURABOX_INVOCATION_TIMEOUT")]
    invocation_timeout: Option<u64>,
    /// Environment variable for the guest, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Fail when the handler reads a clock or random numbers outside a step.
    #[arg(long)]
    strict_determinism: bool,
    /// Another function chained invokes can call, NAME=PATH.wasm (repeatable).
    #[arg(long = "function", value_name = "NAME=PATH")]
    functions: Vec<String>,
    /// Give up waiting for the execution after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Answer the step named NAME (or the path CONTEXT/…/STEP) with the JSON result
    /// without running its body (repeatable).
    #[arg(long = "mock-step", value_name = "NAME=JSON")]
    mock_steps: Vec<String>,
    /// Fail each attempt of the step named NAME with ERROR ("Type: message"); its retry
    /// strategy applies (repeatable).
    #[arg(long = "mock-step-error", value_name = "NAME=ERROR")]
    mock_step_errors: Vec<String>,
    /// Answer chained invokes of FUNCTION with the JSON result; the function need not
    /// exist (repeatable).
    #[arg(long = "mock-invoke", value_name = "FUNCTION=JSON")]
    mock_invokes: Vec<String>,
    /// Fail chained invokes of FUNCTION with ERROR ("Type: message") (repeatable).
    #[arg(long = "mock-invoke-error", value_name = "FUNCTION=ERROR")]
    mock_invoke_errors: Vec<String>,
    /// Crash at every checkpoint: run once uninterrupted, then once per checkpoint with
    /// the invocation crashing right after it; exit 1 if any crash point changes the
    /// final status, result or operations.
    #[arg(long, conflicts_with = "shuffle_branches")]
    chaos: bool,
    /// Run RUNS more times with the admitted branches of every map/parallel in a seeded
    /// random order (seeds --seed, --seed + 1, …); exit 1 if any order changes the outcome.
    #[arg(long, value_name = "RUNS")]
    shuffle_branches: Option<u32>,
    /// First seed of --shuffle-branches.
    #[arg(long, default_value_t = 1, requires = "shuffle_branches")]
    seed: u64,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    serde_json::from_str::<serde_json::Value>(&args.input)
        .with_context(|| format!("--input is not valid JSON: {}", args.input))?;
    if !args.component.exists() {
        bail!("component not found: {}", args.component.display());
    }
    let (runtime, function) = load_functions(&args)?;
    let answers = callback_script(&args.callbacks, &args.callback_failures)?;
    let options = StartOptions {
        execution_name: args.name.clone(),
        skip_time: !args.no_skip_time,
        fire_callback_timeouts: args.fire_callback_timeouts,
        mocks: super::mocks::parse(
            [&args.mock_steps, &args.mock_step_errors],
            [&args.mock_invokes, &args.mock_invoke_errors],
        )?,
        ..StartOptions::default()
    };
    let timeout = Duration::from_secs(args.timeout);
    if args.chaos || args.shuffle_branches.is_some() {
        let run = |options| {
            let script = answers.clone();
            Ok(run_to_end(
                &runtime,
                &function,
                &args.input,
                options,
                script,
                timeout,
            )?)
        };
        return match args.shuffle_branches {
            Some(runs) => super::chaos::shuffled(&run, options, args.seed, runs, args.json),
            None => super::chaos::crash_points(&run, options, args.json),
        };
    }
    let (cell, settled) = run_to_end(&runtime, &function, &args.input, options, answers, timeout)?;
    let result = durabox::ExecutionResult::snapshot(&cell.lock());
    let exit = RunExit::of(&result, settled, args.timeout);
    let pending = pending_callbacks(&result);
    if args.json {
        // Always a document, finished or not: a test parsing stdout gets the state.
        let mut out = result.document();
        if !pending.is_empty() {
            out["PendingCallbacks"] = serde_json::Value::Array(pending);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_outcome(&result, exit, &pending);
    }
    Ok(ExitCode::from(exit as u8))
}

/// A runtime with the handler (named after its file) and every `--function` registered.
fn load_functions(args: &RunArgs) -> anyhow::Result<(Runtime, String)> {
    let defaults = Limits::default();
    let limits = Limits {
        fuel: args.fuel.unwrap_or(defaults.fuel),
        memory_bytes: args.memory_mb.map_or(defaults.memory_bytes, |mb| mb << 20),
        invocation_timeout: args
            .invocation_timeout
            .map_or(defaults.invocation_timeout, Duration::from_secs),
        max_operations: defaults.max_operations,
    };
    let runtime = Runtime::new(RuntimeOptions::default())?;
    let function = args
        .component
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("function")
        .to_owned();
    let config = FunctionConfig {
        limits,
        env: super::env_pairs(&args.env)?,
        strict_determinism: args.strict_determinism,
        ..FunctionConfig::default()
    };
    runtime
        .register_file(&function, &args.component, config.clone())
        .with_context(|| format!("cannot load {}", args.component.display()))?;
    for entry in &args.functions {
        let (name, path) = super::split_pair("function", "NAME=PATH.wasm", entry)?;
        runtime
            .register_file(name, std::path::Path::new(path), config.clone())
            .with_context(|| format!("cannot load function {name} from {path}"))?;
    }
    Ok((runtime, function))
}

/// The human-readable report: the operation tree, then what is pending or how it ended.
fn print_outcome(result: &ExecutionResult, exit: RunExit, pending: &[serde_json::Value]) {
    println!("execution {}", result.arn);
    print!("{}", render_tree(result));
    if exit == RunExit::Pending || exit == RunExit::TimedOut {
        for callback in pending {
            println!(
                "pending callback {} (name {})",
                callback["CallbackId"].as_str().unwrap_or(""),
                callback["Name"].as_str().unwrap_or("-")
            );
        }
        println!("status: {}", result.status.as_str());
        return;
    }
    print_invocation_notes(result);
    println!("status: {}", result.status.as_str());
    match (&result.result, &result.error) {
        (Some(value), _) => println!("result: {value}"),
        (_, Some(error)) => println!("error: {error}"),
        _ => {}
    }
}

/// Each invocation's determinism warnings and error.
fn print_invocation_notes(result: &ExecutionResult) {
    for (i, invocation) in result.invocations.iter().enumerate() {
        for w in &invocation.warnings {
            let after = w
                .after_operation
                .as_deref()
                .map(|id| format!(", last operation {id}"))
                .unwrap_or_default();
            println!(
                "  [invocation {}] determinism warning: {} read outside a step ({}x, after {} operations{after})",
                i + 1,
                w.source,
                w.count,
                w.operations_before
            );
        }
        if let Some(error) = &invocation.error {
            println!("  [invocation {}] ended with {error}", i + 1);
        }
    }
}

/// The `--callback` / `--callback-fail` flags as a script answering callbacks by name.
fn callback_script(successes: &[String], failures: &[String]) -> anyhow::Result<CallbackScript> {
    let mut script = CallbackScript::default();
    for entry in successes {
        let (name, json) = super::split_pair("callback", "NAME=JSON", entry)?;
        serde_json::from_str::<serde_json::Value>(json)
            .with_context(|| format!("--callback {name}: the result is not valid JSON: {json}"))?;
        script.push(name, CallbackAction::Succeed(Some(json.to_owned())));
    }
    for entry in failures {
        let (name, message) = super::split_pair("callback-fail", "NAME=MSG", entry)?;
        let error = durabox::ErrorObject {
            error_message: Some(message.to_owned()),
            ..Default::default()
        };
        script.push(name, CallbackAction::Fail(error));
    }
    Ok(script)
}

/// `durabox run`'s exit codes (2 is a usage or load error, from `main`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum RunExit {
    Succeeded = 0,
    /// FAILED, TIMED_OUT or STOPPED.
    Failed = 1,
    /// Still running: waiting for a callback only `durabox serve` can deliver.
    Pending = 3,
    /// `--timeout` passed before the execution settled.
    TimedOut = 4,
}

impl RunExit {
    /// How the run ends, telling the user on stderr when it did not finish.
    fn of(result: &ExecutionResult, settled: bool, timeout_s: u64) -> Self {
        if !settled {
            eprintln!("durabox: the execution did not finish within {timeout_s} s (--timeout)");
            Self::TimedOut
        } else if !result.status.is_terminal() {
            eprintln!(
                "durabox: the execution is waiting for a callback that no --callback / --callback-fail \
                 answers (or serve it with `durabox serve` and answer with `durabox callback succeed|fail`)"
            );
            Self::Pending
        } else if result.status == ExecutionStatus::Succeeded {
            Self::Succeeded
        } else {
            Self::Failed
        }
    }
}

/// The callbacks the execution is waiting for: name, operation id and callback id.
fn pending_callbacks(result: &ExecutionResult) -> Vec<serde_json::Value> {
    result
        .all_operations
        .iter()
        .filter(|op| {
            op.op_type == durabox::OperationType::Callback
                && op.status == durabox::OperationStatus::Started
        })
        .map(|op| {
            serde_json::json!({
                "Name": op.name,
                "OperationId": op.id,
                "CallbackId": op.callback_details.as_ref().map(|d| d.callback_id.as_str()),
            })
        })
        .collect()
}
