//! The runner's scheduling state of one execution: whether the handler must run, whether
//! it runs now, and the counts that bound crashes and invalid answers. It is stored with
//! the execution, so a restarted process knows which executions are due.

use serde::{Deserialize, Serialize};

use crate::model::Millis;

/// When the handler runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Schedule {
    /// The handler must be invoked (again).
    pub needs_invocation: bool,
    /// An invocation of the handler is running.
    pub invocation_running: bool,
    pub(super) invocation_count: u32,
    pub(super) invocation_start: Millis,
    pub(super) consecutive_crashes: u32,
    pub(super) invalid_pending: u32,
    /// Crashed invocations in a row after which the execution fails.
    pub max_consecutive_crashes: u32,
}

impl Schedule {
    /// A new execution's: its first invocation is due.
    pub(super) fn new(now: Millis) -> Self {
        Self {
            needs_invocation: true,
            invocation_running: false,
            invocation_count: 0,
            invocation_start: now,
            consecutive_crashes: 0,
            invalid_pending: 0,
            max_consecutive_crashes: 3,
        }
    }
}
