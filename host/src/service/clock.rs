//! A per-execution clock. With time skipping on, the clock jumps to the next timer
//! instead of sleeping, yet every timestamp keeps the modeled durations.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::Millis;

/// Wall-clock epoch milliseconds.
pub fn real_now() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ExecutionClock {
    skip_time: bool,
    /// Milliseconds skipped so far; `now = real + skipped`.
    skipped: Millis,
}

impl ExecutionClock {
    pub fn new(skip_time: bool) -> Self {
        Self {
            skip_time,
            skipped: 0,
        }
    }

    pub fn skips_time(&self) -> bool {
        self.skip_time
    }

    pub fn now(&self) -> Millis {
        real_now() + self.skipped
    }

    /// Moves virtual time forward to `instant` (never backwards).
    pub fn advance_to(&mut self, instant: Millis) {
        let now = self.now();
        if instant > now {
            self.skipped += instant - now;
        }
    }

    /// Real milliseconds until `instant` on this clock.
    pub fn real_delay_until(&self, instant: Millis) -> Millis {
        (instant - self.now()).max(0)
    }
}
