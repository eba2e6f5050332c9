//! Step retry strategies as the AWS SDKs compute them (`retries.py`, reference §3.1).

use regex::Regex;

use crate::model::ErrorObject;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
    Half,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backoff {
    /// delay = initial * rate^(attempt-1)
    Exponential { rate: f64 },
    /// delay = initial + increment * (attempt-1)
    Linear { increment: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryPreset {
    Default,
    None,
    Transient,
    ResourceAvailability,
    Critical,
    Linear,
}

/// A retry strategy with every number resolved.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub initial_delay_seconds: u32,
    pub max_delay_seconds: u32,
    pub backoff: Backoff,
    pub jitter: Jitter,
    /// Searched in the error message. With no patterns and no types, every error retries.
    pub retryable_patterns: Option<Vec<Regex>>,
    pub retryable_types: Option<Vec<String>>,
}

impl RetryPolicy {
    fn exponential(attempts: u32, initial: u32, max: u32, rate: f64, jitter: Jitter) -> Self {
        Self {
            max_attempts: attempts,
            initial_delay_seconds: initial,
            max_delay_seconds: max,
            backoff: Backoff::Exponential { rate },
            jitter,
            retryable_patterns: None,
            retryable_types: None,
        }
    }

    pub fn preset(preset: RetryPreset) -> Self {
        match preset {
            RetryPreset::Default => Self::exponential(6, 5, 60, 2.0, Jitter::Full),
            RetryPreset::None => Self::exponential(1, 5, 60, 2.0, Jitter::None),
            RetryPreset::Transient => Self::exponential(3, 5, 300, 2.0, Jitter::Half),
            RetryPreset::ResourceAvailability => Self::exponential(5, 5, 300, 2.0, Jitter::Full),
            RetryPreset::Critical => Self::exponential(10, 1, 60, 1.5, Jitter::None),
            RetryPreset::Linear => Self {
                backoff: Backoff::Linear { increment: 1 },
                ..Self::exponential(6, 1, 300, 1.0, Jitter::None)
            },
        }
    }

    /// `attempts` in total, `interval` seconds apart, no jitter.
    pub fn fixed(attempts: u32, interval: u32) -> Self {
        Self::exponential(attempts, interval, interval, 1.0, Jitter::None)
    }

    pub fn is_retryable(&self, error: &ErrorObject) -> bool {
        if self.retryable_patterns.is_none() && self.retryable_types.is_none() {
            return true;
        }
        let message = error.error_message.as_deref().unwrap_or("");
        let by_pattern = self
            .retryable_patterns
            .iter()
            .flatten()
            .any(|re| re.is_match(message));
        let by_type = self
            .retryable_types
            .iter()
            .flatten()
            .any(|t| error.error_type.as_deref() == Some(t.as_str()));
        by_pattern || by_type
    }

    /// The delay before the next attempt, or None when the step must fail.
    /// `attempts_made` is the number of the attempt that just failed (1-based);
    /// `random` is a uniform sample in [0, 1) used for jitter.
    pub fn next_delay(&self, error: &ErrorObject, attempts_made: u32, random: f64) -> Option<u64> {
        if attempts_made >= self.max_attempts || !self.is_retryable(error) {
            return None;
        }
        let n = attempts_made.saturating_sub(1);
        let base = match self.backoff {
            Backoff::Exponential { rate } => {
                self.initial_delay_seconds as f64 * rate.powi(n as i32)
            }
            Backoff::Linear { increment } => {
                self.initial_delay_seconds as f64 + increment as f64 * n as f64
            }
        };
        let base = base.min(self.max_delay_seconds as f64);
        let jittered = match self.jitter {
            Jitter::None => base,
            Jitter::Full => random * base,
            Jitter::Half => base / 2.0 + random * base / 2.0,
        };
        Some((jittered.ceil() as u64).max(1))
    }
}

/// AWS `WaitStrategyConfig` for wait-for-condition polls (`waits.py`).
#[derive(Clone, Debug, PartialEq)]
pub struct WaitStrategy {
    pub max_attempts: u32,
    pub initial_delay_seconds: u32,
    pub max_delay_seconds: u32,
    pub backoff_rate: f64,
    pub jitter: Jitter,
}

impl Default for WaitStrategy {
    /// The AWS defaults: 60 checks, 5 s initial, 300 s cap, rate 1.5, full jitter.
    fn default() -> Self {
        Self {
            max_attempts: 60,
            initial_delay_seconds: 5,
            max_delay_seconds: 300,
            backoff_rate: 1.5,
            jitter: Jitter::Full,
        }
    }
}

impl WaitStrategy {
    /// The delay before the next check, or None once `attempts_made` checks are all
    /// the strategy allows.
    pub fn next_delay(&self, attempts_made: u32, random: f64) -> Option<u64> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        let policy = RetryPolicy::exponential(
            u32::MAX,
            self.initial_delay_seconds,
            self.max_delay_seconds,
            self.backoff_rate,
            self.jitter,
        );
        policy.next_delay(&ErrorObject::default(), attempts_made, random)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: &str, message: &str) -> ErrorObject {
        ErrorObject::new(kind, message)
    }

    #[test]
    fn default_preset_is_six_attempts_full_jitter() {
        let p = RetryPolicy::preset(RetryPreset::Default);
        // Full jitter with random = 0.5 halves the base delay 5 * 2^(n-1), capped at 60.
        assert_eq!(p.next_delay(&err("E", "x"), 1, 0.5), Some(3));
        assert_eq!(p.next_delay(&err("E", "x"), 5, 0.999), Some(60));
        assert_eq!(p.next_delay(&err("E", "x"), 6, 0.5), None);
        // Jitter never drops the delay under one second.
        assert_eq!(p.next_delay(&err("E", "x"), 1, 0.0), Some(1));
    }

    #[test]
    fn exponential_and_linear_growth() {
        let critical = RetryPolicy::preset(RetryPreset::Critical);
        let delays: Vec<_> = (1..5)
            .map(|n| critical.next_delay(&err("E", ""), n, 0.0).unwrap())
            .collect();
        // 1, 1.5, 2.25, 3.375 rounded up.
        assert_eq!(delays, vec![1, 2, 3, 4]);
        let linear = RetryPolicy::preset(RetryPreset::Linear);
        let delays: Vec<_> = (1..6)
            .map(|n| linear.next_delay(&err("E", ""), n, 0.0).unwrap())
            .collect();
        assert_eq!(delays, vec![1, 2, 3, 4, 5]);
        assert_eq!(linear.next_delay(&err("E", ""), 6, 0.0), None);
    }

    #[test]
    fn half_jitter_stays_in_upper_half() {
        let p = RetryPolicy::preset(RetryPreset::Transient);
        assert_eq!(p.next_delay(&err("E", ""), 2, 0.0), Some(5));
        assert_eq!(p.next_delay(&err("E", ""), 2, 0.99), Some(10));
    }

    #[test]
    fn none_preset_and_fixed() {
        assert_eq!(
            RetryPolicy::preset(RetryPreset::None).next_delay(&err("E", ""), 1, 0.3),
            None
        );
        let fixed = RetryPolicy::fixed(3, 7);
        assert_eq!(fixed.next_delay(&err("E", ""), 1, 0.3), Some(7));
        assert_eq!(fixed.next_delay(&err("E", ""), 2, 0.3), Some(7));
        assert_eq!(fixed.next_delay(&err("E", ""), 3, 0.3), None);
    }

    #[test]
    fn retryable_filters() {
        let mut p = RetryPolicy::fixed(3, 1);
        p.retryable_types = Some(vec!["Transient".into()]);
        assert!(p.next_delay(&err("Transient", "x"), 1, 0.0).is_some());
        assert!(p.next_delay(&err("Fatal", "x"), 1, 0.0).is_none());
        p.retryable_patterns = Some(vec![Regex::new("timeout").unwrap()]);
        assert!(p
            .next_delay(&err("Fatal", "socket timeout"), 1, 0.0)
            .is_some());
    }

    #[test]
    fn wait_strategy_defaults_and_exhaustion() {
        let s = WaitStrategy::default();
        // 5 * 1.5^(n-1), capped at 300; a sample near 1 keeps the full-jitter base.
        assert_eq!(s.next_delay(1, 0.999), Some(5));
        assert_eq!(s.next_delay(2, 0.999), Some(8));
        assert_eq!(s.next_delay(30, 0.999), Some(300));
        assert_eq!(s.next_delay(60, 0.5), None);
        let plain = WaitStrategy {
            jitter: Jitter::None,
            max_attempts: 3,
            ..WaitStrategy::default()
        };
        assert_eq!(plain.next_delay(2, 0.1), Some(8));
        assert_eq!(plain.next_delay(3, 0.1), None);
    }
}
