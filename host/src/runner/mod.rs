//! Front door for Rust callers: the runtime that drives executions, the test runner and
//! the result views.

pub mod callback_script;
mod chained;
pub mod chaos;
mod driver;
mod driver_pool;
mod log_capture;
mod manual_clock;
pub(crate) mod replay_check;
pub(crate) mod result;
pub mod runtime;
pub mod scenario;
mod stored;
pub mod test_runner;
pub(crate) mod tree;

pub use replay_check::{replay_history, Divergence, ReplayReport};
pub use result::{ExecutionResult, OperationView, ResultError};
pub use runtime::{FunctionConfig, Runtime, RuntimeError, RuntimeOptions, StartOptions};
pub use test_runner::TestRunner;
pub use tree::render_tree;
