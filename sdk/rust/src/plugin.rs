//! Plugins (AWS SDK plugin API): lifecycle hooks that observe a handler without changing
//! it. Register them with [`handler!`](crate::handler)`(f, plugins = make_plugins)`; hooks
//! run in registration order, in the guest, and an `Err` from a hook is ignored, so a
//! plugin never changes the execution's result or history.
//!
//! Operation hooks fire for steps (`OperationKind::Step`); other operation types do not
//! call them yet.

use std::cell::RefCell;
use std::collections::HashSet;

use crate::Error;

/// Lifecycle hooks; every method defaults to doing nothing.
pub trait Plugin {
    /// Before handler code runs in an invocation.
    fn on_invocation_start(&self, _info: &InvocationStartInfo) -> Result<(), Error> {
        Ok(())
    }
    /// After the invocation's outcome is known.
    fn on_invocation_end(&self, _info: &InvocationEndInfo) -> Result<(), Error> {
        Ok(())
    }
    /// A step runs an attempt for the first time in this invocation: a new step, or one
    /// not finished earlier (a retry), as AWS reports a replayed non-terminal operation.
    fn on_operation_start(&self, _info: &OperationInfo) -> Result<(), Error> {
        Ok(())
    }
    /// An operation reached its terminal status in this invocation.
    fn on_operation_end(&self, _info: &OperationEndInfo) -> Result<(), Error> {
        Ok(())
    }
    /// A step attempt's function is about to run.
    fn on_attempt_start(&self, _info: &AttemptInfo) -> Result<(), Error> {
        Ok(())
    }
    /// A step attempt's function returned.
    fn on_attempt_end(&self, _info: &AttemptEndInfo) -> Result<(), Error> {
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct InvocationStartInfo {
    pub execution_arn: String,
    /// No operation was recorded before this invocation.
    pub is_first_invocation: bool,
}

/// How an invocation ended; `Pending` = suspended, to be re-invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvocationStatus {
    Succeeded,
    Failed,
    Pending,
}

impl InvocationStatus {
    /// The AWS token: `SUCCEEDED`, `FAILED`, `PENDING`.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationStatus::Succeeded => "SUCCEEDED",
            InvocationStatus::Failed => "FAILED",
            InvocationStatus::Pending => "PENDING",
        }
    }
}

#[derive(Clone, Debug)]
pub struct InvocationEndInfo {
    pub execution_arn: String,
    pub status: InvocationStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationKind {
    Step,
}

impl OperationKind {
    /// The AWS operation type: `STEP`.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Step => "STEP",
        }
    }
}

#[derive(Clone, Debug)]
pub struct OperationInfo {
    pub id: String,
    pub name: Option<String>,
    pub kind: OperationKind,
}

/// A terminal operation status, or an attempt's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationOutcome {
    Succeeded,
    Failed,
}

impl OperationOutcome {
    /// The AWS token: `SUCCEEDED`, `FAILED`.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationOutcome::Succeeded => "SUCCEEDED",
            OperationOutcome::Failed => "FAILED",
        }
    }
}

#[derive(Clone, Debug)]
pub struct OperationEndInfo {
    pub operation: OperationInfo,
    pub status: OperationOutcome,
}

#[derive(Clone, Debug)]
pub struct AttemptInfo {
    pub operation: OperationInfo,
    /// 1-based.
    pub attempt: u32,
}

#[derive(Clone, Debug)]
pub struct AttemptEndInfo {
    pub operation: OperationInfo,
    pub attempt: u32,
    pub outcome: OperationOutcome,
}

thread_local! {
    /// This invocation's plugins (one instance runs one invocation).
    static PLUGINS: RefCell<Vec<Box<dyn Plugin>>> = const { RefCell::new(Vec::new()) };
    /// Steps whose `on_operation_start` fired in this invocation.
    static STARTED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

pub(crate) fn install(plugins: Vec<Box<dyn Plugin>>) {
    PLUGINS.with(|p| *p.borrow_mut() = plugins);
    STARTED.with(|s| s.borrow_mut().clear());
}

/// Whether operation `id` has not been reported started in this invocation (and now is).
pub(crate) fn first_start(id: &str) -> bool {
    STARTED.with(|s| s.borrow_mut().insert(id.to_owned()))
}

pub(crate) fn active() -> bool {
    PLUGINS.with(|p| !p.borrow().is_empty())
}

/// Calls `hook` on every plugin, ignoring what they return.
pub(crate) fn emit(hook: impl Fn(&dyn Plugin) -> Result<(), Error>) {
    PLUGINS.with(|plugins| {
        for plugin in plugins.borrow().iter() {
            let _ignored = hook(plugin.as_ref());
        }
    });
}
