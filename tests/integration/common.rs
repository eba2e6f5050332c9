//! Shared runtime and helpers. One runtime (one engine, one compile per component)
//! serves every test.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use durabox::model::{Event, EventType};
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions};
use durabox::{Limits, TestRunner};
use serde_json::{json, Value};

/// Function names registered on the shared runtime.
pub const QUICKSTART: &str = "quickstart";
pub const SCENARIOS: &str = "scenarios";
/// The scenarios component under tight limits (fuel, memory, wall time).
pub const SCENARIOS_TIGHT: &str = "scenarios-tight";

pub fn guest(lang: &str, name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/guests")
        .join(lang)
        .join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask build-guests` (or `cargo xtask test`)",
        path.display()
    );
    path
}

pub fn tight_limits() -> Limits {
    Limits {
        fuel: 500_000_000,
        memory_bytes: 64 << 20,
        invocation_timeout: Duration::from_secs(2),
        max_operations: 100_000,
    }
}

pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let options = RuntimeOptions {
            timeout_grace: Duration::from_millis(300),
            ..RuntimeOptions::default()
        };
        let runtime = Runtime::new(options).expect("runtime");
        runtime
            .register_file(
                QUICKSTART,
                &guest("rust", "quickstart"),
                FunctionConfig::default(),
            )
            .expect("load quickstart");
        let scenarios = runtime
            .register_file(
                SCENARIOS,
                &guest("rust", "scenarios"),
                FunctionConfig::default(),
            )
            .expect("load scenarios");
        let tight = FunctionConfig {
            limits: tight_limits(),
            max_consecutive_crashes: 2,
            ..FunctionConfig::default()
        };
        runtime.register(SCENARIOS_TIGHT, scenarios.loaded.clone(), tight);
        runtime
    })
}

pub fn runner(function: &str) -> TestRunner {
    TestRunner::on_runtime(runtime().clone(), function)
}

/// The input selecting a scenario of the scenarios guest, with extra fields.
pub fn scenario(name: &str, extra: Value) -> Value {
    let mut input = json!({ "scenario": name });
    if let (Some(map), Value::Object(extra)) = (input.as_object_mut(), extra) {
        map.extend(extra);
    }
    input
}

pub fn event_types(events: &[Event]) -> Vec<EventType> {
    events.iter().map(|e| e.event_type).collect()
}

pub fn count(events: &[Event], event_type: EventType) -> usize {
    events.iter().filter(|e| e.event_type == event_type).count()
}

pub const WAIT: Duration = Duration::from_secs(30);

/// wait_for_callback "ask" is composed as AWS does: a WaitForCallback context holding the
/// callback "ask create callback id" and the step "ask submitter".
pub fn assert_wait_for_callback_shape(result: &durabox::ExecutionResult) {
    let context = result.context("ask").unwrap();
    assert_eq!(context.sub_type(), Some("WaitForCallback"));
    let children: Vec<_> = context
        .children()
        .iter()
        .map(|c| (c.name().unwrap().to_owned(), c.op_type()))
        .collect();
    assert_eq!(
        children,
        vec![
            (
                "ask create callback id".to_owned(),
                durabox::OperationType::Callback
            ),
            ("ask submitter".to_owned(), durabox::OperationType::Step),
        ]
    );
}
