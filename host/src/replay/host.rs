//! What the replay engine works against: the service's checkpoint door
//! ([`CheckpointApi`]) plus the hooks a test runner may set on an execution. The engine
//! reaches the service only through this trait, so its tests can run it on a fake.

use crate::model::mocks::MockAnswer;
use crate::service::{ChaosPlan, CheckpointApi, Execution};

use super::GateLog;

/// The engine's view of one execution.
pub(crate) trait ReplayHost: CheckpointApi {
    /// Replay-only mode's log, when the runner replays a recorded history.
    fn gate(&mut self) -> Option<&mut GateLog>;
    /// The chaos-testing plan, when one is set.
    fn chaos(&mut self) -> Option<&mut ChaosPlan>;
    /// The mocked answer for step `name` at context `path`, when one is set.
    fn step_mock(&self, path: &[&str], name: &str) -> Option<MockAnswer>;
    /// Asks for the changes so far to be stored before the current guest call returns.
    fn require_durable(&mut self);
}

impl ReplayHost for Execution {
    fn gate(&mut self) -> Option<&mut GateLog> {
        self.wiring.replay_gate.as_mut()
    }

    fn chaos(&mut self) -> Option<&mut ChaosPlan> {
        self.wiring.chaos.as_mut()
    }

    fn step_mock(&self, path: &[&str], name: &str) -> Option<MockAnswer> {
        self.spec.mocks.step(path, name).cloned()
    }

    fn require_durable(&mut self) {
        Execution::require_durable(self);
    }
}
