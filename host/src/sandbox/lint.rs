//! The determinism lint: the WASI clocks and random source report every read; reads
//! made while no step body runs are replay hazards on AWS and become warnings, tagged
//! with where in the handler they happened.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::model::DeterminismWarning;

#[derive(Default)]
pub struct DeterminismLint {
    /// Off while the component instantiates (runtime start-up is not handler code).
    armed: AtomicBool,
    inside_step: AtomicBool,
    state: Mutex<LintState>,
}

#[derive(Default)]
struct LintState {
    last_operation: Option<String>,
    operations: u32,
    warnings: Vec<DeterminismWarning>,
}

impl DeterminismLint {
    /// Called after every durable call: where the handler is, and whether a step body
    /// (or condition check) is running.
    pub fn set_position(&self, last_operation: Option<&str>, operations: u32, inside_step: bool) {
        self.inside_step.store(inside_step, Ordering::Relaxed);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.operations != operations {
            state.operations = operations;
            state.last_operation = last_operation.map(str::to_owned);
        }
    }

    /// Starts watching: called once the instance exists, right before the handler runs.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::Relaxed);
    }

    /// A nondeterministic read by the guest.
    pub fn read(&self, source: &'static str) {
        if !self.armed.load(Ordering::Relaxed) || self.inside_step.load(Ordering::Relaxed) {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (operations, last) = (state.operations, state.last_operation.clone());
        match state
            .warnings
            .iter_mut()
            .find(|w| w.source == source && w.operations_before == operations)
        {
            Some(warning) => warning.count += 1,
            None => state.warnings.push(DeterminismWarning {
                source: source.to_owned(),
                after_operation: last,
                operations_before: operations,
                count: 1,
            }),
        }
    }

    pub fn take_warnings(&self) -> Vec<DeterminismWarning> {
        std::mem::take(
            &mut self
                .state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .warnings,
        )
    }
}
