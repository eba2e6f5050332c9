//! A per-execution clock. With time skipping on, the clock jumps to the next timer
//! instead of sleeping, yet every timestamp keeps the modeled durations.
//!
//! Skipped time holds at a pending callback's timeout and heartbeat deadlines: only real
//! time (or an answer) gets past them, so a test can always answer a callback, however
//! long after it became pending. A clock made with `fire_callback_deadlines` skips to them
//! too, once the execution has been idle a moment (as AWS's testing runners do).
//!
//! A manual clock stands still: only a test moves it (`advance_to`), and every timer
//! then fires exactly when due.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::Millis;

/// Wall-clock epoch milliseconds.
pub fn real_now() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// `at` plus `seconds`, saturating: a client or guest may ask for any number of seconds
/// (a callback timeout of 2^62 s overflowed and fired at once), and a timer that far
/// away simply never comes due.
pub fn after_seconds(at: Millis, seconds: u64) -> Millis {
    let millis = i64::try_from(seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    at.saturating_add(millis)
}

/// An execution's clock: real time, real time plus skipped time, or manual.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ExecutionClock {
    skip_time: bool,
    /// Milliseconds skipped so far; `now = real + skipped`.
    skipped: Millis,
    /// Skipped time may pass callback timeout and heartbeat deadlines.
    #[serde(default)]
    fire_callback_deadlines: bool,
    /// A manual clock's time.
    #[serde(default)]
    manual_at: Option<Millis>,
}

impl ExecutionClock {
    /// A clock on real time, skipping idle time when `skip_time` is set.
    pub fn new(skip_time: bool) -> Self {
        Self {
            skip_time,
            skipped: 0,
            fire_callback_deadlines: false,
            manual_at: None,
        }
    }

    /// A clock standing still at the current time until a test advances it.
    pub fn manual(mut self, manual: bool) -> Self {
        self.manual_at = manual.then(real_now);
        self
    }

    /// A manual clock standing at `at`: tests that pin timestamps start here.
    #[cfg(test)]
    pub(crate) fn manual_at(mut self, at: Millis) -> Self {
        self.manual_at = Some(at);
        self
    }

    /// Whether only a test moves the clock.
    pub fn is_manual(&self) -> bool {
        self.manual_at.is_some()
    }

    /// Lets skipped time pass callback deadlines (see the module docs).
    pub fn firing_callback_deadlines(mut self, fire: bool) -> Self {
        self.fire_callback_deadlines = fire;
        self
    }

    /// Whether idle time is skipped.
    pub fn skips_time(&self) -> bool {
        self.skip_time
    }

    /// Whether skipped time stops at callback deadlines (see the module docs).
    pub fn holds_callback_deadlines(&self) -> bool {
        self.skip_time && !self.fire_callback_deadlines
    }

    /// The execution's current time.
    pub fn now(&self) -> Millis {
        self.manual_at.unwrap_or_else(|| real_now() + self.skipped)
    }

    /// Moves virtual time forward to `instant` (never backwards).
    pub fn advance_to(&mut self, instant: Millis) {
        let now = self.now();
        if instant > now {
            match &mut self.manual_at {
                Some(at) => *at = instant,
                None => self.skipped += instant - now,
            }
        }
    }

    /// Real milliseconds until `instant` on this clock (a manual clock's instants come
    /// only when a test advances it: the answer is then a polling interval).
    pub fn real_delay_until(&self, instant: Millis) -> Millis {
        if self.is_manual() {
            return 60_000;
        }
        (instant - self.now()).max(0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn far_timers_saturate_instead_of_wrapping() {
        assert_eq!(super::after_seconds(1_000, 2), 3_000);
        assert_eq!(super::after_seconds(1_000, 1 << 62), i64::MAX);
        assert_eq!(super::after_seconds(1_000, u64::MAX), i64::MAX);
    }
}
