//! durabox: a local runner and emulator for AWS Lambda durable functions whose handlers
//! are WebAssembly components.
//!
//! Data flow: guest SDK → WIT world → [`sandbox`] (host bindings) → [`replay`] engine →
//! `OperationUpdate`s → [`service`] (checkpoint processor, timers, history) → the front
//! doors: the [`runner`] test API and the CLI.
//!
//! # Testing a handler
//!
//! A handler is a WebAssembly component: `durabox build` (or
//! [`build::Builder::build_for_test`]) makes one from Python, JavaScript/TypeScript or Rust
//! sources. A [`TestRunner`] loads it, runs one execution to its end with time skipped
//! (waits and retry delays fire at once) and returns an [`ExecutionResult`]: the status,
//! the result or error, the operation tree and the history events.
//!
//! ```no_run
//! use durabox::{ExecutionStatus, TestRunner};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The Rust quickstart (`cargo xtask build-guests`): step `one`, a one-second wait,
//! // child context `two` (steps `two_1`, `two_2`), step `three`.
//! let runner = TestRunner::new("target/guests/rust/quickstart.wasm")?;
//! let result = runner.run(&"input str")?;
//!
//! assert_eq!(result.status, ExecutionStatus::Succeeded);
//! assert_eq!(result.result.as_deref(), Some(r#"["1 2","3 4 4 3","5 6"]"#));
//! assert_eq!(result.step("one")?.result_json::<String>()?, "1 2");
//! let two_1 = result.context("two")?.child("two_1")?;
//! assert_eq!(two_1.result(), Some(r#""3 4""#));
//! println!("{} history events", result.events.len());
//! # Ok(())
//! # }
//! ```
//!
//! Several functions, chained invokes between them, a store that survives restarts or
//! executions driven by hand go through a [`Runtime`] instead (the test runner wraps one):
//! register components by name, start executions, wait for them.
//!
//! # Replaying a recorded history
//!
//! A history fetched from AWS (`aws lambda get-durable-execution-history`) or written by
//! durabox parses into the operations it records; [`runner::replay_history`] (or
//! [`TestRunner::replay`]) then checks that a handler reproduces it.
//!
//! ```
//! use durabox::model::history::{RecordedEnd, RecordedHistory};
//! use durabox::{OperationStatus, OperationType};
//!
//! let history = RecordedHistory::parse(
//!     r#"{"Events": [
//!         {"EventType": "ExecutionStarted", "EventId": 1, "Id": "exec",
//!          "EventTimestamp": "2025-12-01T17:23:09Z",
//!          "ExecutionStartedDetails": {"Input": {"Payload": "{\"n\": 1}"}}},
//!         {"EventType": "StepStarted", "EventId": 2, "Id": "s1", "Name": "one",
//!          "SubType": "Step", "EventTimestamp": "2025-12-01T17:23:09.5Z",
//!          "StepStartedDetails": {}},
//!         {"EventType": "StepSucceeded", "EventId": 3, "Id": "s1", "Name": "one",
//!          "SubType": "Step", "EventTimestamp": "2025-12-01T17:23:09.6Z",
//!          "StepSucceededDetails": {"Result": {"Payload": "7"}}},
//!         {"EventType": "ExecutionSucceeded", "EventId": 4, "Id": "exec",
//!          "EventTimestamp": "2025-12-01T17:23:09.7Z",
//!          "ExecutionSucceededDetails": {"Result": {"Payload": "7"}}}
//!     ]}"#,
//! )
//! .expect("a valid history");
//!
//! assert_eq!(history.input.as_deref(), Some(r#"{"n": 1}"#));
//! let [step] = &history.operations[..] else { panic!("one operation") };
//! assert_eq!((step.op_type, step.name.as_deref()), (OperationType::Step, Some("one")));
//! assert_eq!((step.status, step.result()), (OperationStatus::Succeeded, Some("7")));
//! assert_eq!(history.end, Some(RecordedEnd::Succeeded(Some("7".into()))));
//! ```

#![deny(missing_docs)]

pub mod build;
pub mod cache;
pub mod model;
pub mod replay;
pub mod runner;
pub mod sandbox;
pub mod service;

pub use model::{ErrorObject, ExecutionStatus, OperationStatus, OperationType};
pub use runner::{ExecutionResult, FunctionConfig, Runtime, TestRunner};
pub use sandbox::Limits;
#[cfg(feature = "server")]
pub mod server;
pub mod store;
