//! What the runtime wires into an execution while it lives in this process: the
//! functions chained invokes reach and the test hooks. None of it is stored.

use std::sync::Arc;

use super::{ChaosPlan, InvokeTargets};
use crate::replay::GateLog;

/// The runtime's wiring of one execution.
#[derive(Default)]
pub struct Wiring {
    /// The functions chained invokes can reach (None: none).
    pub invoke_targets: Option<Arc<dyn InvokeTargets>>,
    /// Set for the replay gate: the engine runs nothing the recorded history lacks.
    pub replay_gate: Option<GateLog>,
    /// Set for chaos testing (`runner::chaos`).
    pub chaos: Option<ChaosPlan>,
}
