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
    handler_started: bool,
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
            // Reuses the kept id's buffer: this runs after every durable call.
            match (last_operation, &mut state.last_operation) {
                (Some(id), Some(kept)) => {
                    kept.clear();
                    kept.push_str(id);
                }
                (id, kept) => *kept = id.map(str::to_owned),
            }
        }
    }

    /// Starts watching: called once the instance exists, right before the handler runs.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::Relaxed);
    }

    /// The guest's SDK is about to run handler code: reads so far were the language
    /// runtime's start-up, not the handler's. Only before the first durable operation,
    /// so a guest cannot wipe warnings about its own code.
    pub fn handler_started(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.operations == 0 && !state.handler_started {
            state.handler_started = true;
            state.warnings.clear();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_reads_are_disregarded_once_and_only_before_any_operation() {
        let lint = DeterminismLint::default();
        lint.arm();
        lint.read("random"); // the runtime's start-up
        lint.handler_started();
        lint.read("wall-clock"); // handler code
        lint.set_position(Some("op-1"), 1, false);
        lint.handler_started(); // too late: changes nothing
        lint.read("random");
        let warnings = lint.take_warnings();
        let seen: Vec<_> = warnings
            .iter()
            .map(|w| (w.source.as_str(), w.operations_before))
            .collect();
        assert_eq!(seen, [("wall-clock", 0), ("random", 1)]);
    }
}
