//! durabox: a local runner and emulator for AWS Lambda durable functions whose handlers
//! are WebAssembly components.
//!
//! Data flow: guest SDK → WIT world → [`sandbox`] (host bindings) → [`replay`] engine →
//! `OperationUpdate`s → [`service`] (checkpoint processor, timers, history) → the front
//! doors: the [`runner`] test API and the CLI.

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
pub mod server;
pub mod store;
