//! Conversions between WIT types and engine types. A guest's configuration that the
//! engine cannot take (a bad retry pattern) becomes an invalid argument, not a trap.

use super::wit;
use crate::model::ErrorObject;
use crate::replay::retry::{Backoff, Jitter, RetryPolicy, RetryPreset, WaitStrategy};
use crate::replay::{self, OpError};

impl From<OpError> for wit::OpError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Suspended => wit::OpError::Suspended,
            OpError::InvalidArgument(m) => wit::OpError::InvalidArgument(m),
        }
    }
}

impl From<wit::ErrorObject> for ErrorObject {
    fn from(e: wit::ErrorObject) -> Self {
        ErrorObject {
            error_type: e.error_type,
            error_message: e.error_message,
            error_data: e.error_data,
            stack_trace: e.stack_trace,
        }
    }
}

impl From<ErrorObject> for wit::ErrorObject {
    fn from(e: ErrorObject) -> Self {
        wit::ErrorObject {
            error_type: e.error_type,
            error_message: e.error_message,
            error_data: e.error_data,
            stack_trace: e.stack_trace,
        }
    }
}

impl From<replay::Outcome> for wit::Outcome {
    fn from(o: replay::Outcome) -> Self {
        match o {
            replay::Outcome::Succeeded(p) => wit::Outcome::Succeeded(p),
            replay::Outcome::Failed(e) => wit::Outcome::Failed(e.into()),
        }
    }
}

fn jitter(j: wit::Jitter) -> Jitter {
    match j {
        wit::Jitter::None => Jitter::None,
        wit::Jitter::Full => Jitter::Full,
        wit::Jitter::Half => Jitter::Half,
    }
}

fn preset(p: wit::RetryPreset) -> RetryPreset {
    match p {
        wit::RetryPreset::Default => RetryPreset::Default,
        wit::RetryPreset::None => RetryPreset::None,
        wit::RetryPreset::Transient => RetryPreset::Transient,
        wit::RetryPreset::ResourceAvailability => RetryPreset::ResourceAvailability,
        wit::RetryPreset::Critical => RetryPreset::Critical,
        wit::RetryPreset::Linear => RetryPreset::Linear,
    }
}

/// Resolves a WIT retry strategy; a bad pattern is an invalid argument.
fn retry_policy(strategy: wit::RetryStrategy) -> Result<RetryPolicy, String> {
    Ok(match strategy {
        wit::RetryStrategy::Preset(p) => RetryPolicy::preset(preset(p)),
        wit::RetryStrategy::Fixed((attempts, interval)) => RetryPolicy::fixed(attempts, interval),
        wit::RetryStrategy::Custom(c) => {
            if c.max_attempts == 0 {
                return Err("retry strategy max-attempts must be at least 1".into());
            }
            let patterns = match c.retryable_error_patterns {
                Some(list) => Some(
                    list.iter()
                        .map(|p| {
                            regex::Regex::new(p)
                                .map_err(|e| format!("invalid retryable error pattern '{p}': {e}"))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            RetryPolicy {
                max_attempts: c.max_attempts,
                initial_delay_seconds: c.initial_delay_seconds,
                max_delay_seconds: c.max_delay_seconds,
                backoff: match c.backoff {
                    wit::Backoff::Exponential => Backoff::Exponential {
                        rate: c.backoff_rate,
                    },
                    wit::Backoff::Linear => Backoff::Linear {
                        increment: c.increment_seconds,
                    },
                },
                jitter: jitter(c.jitter),
                retryable_patterns: patterns,
                retryable_types: c.retryable_error_types,
            }
        }
    })
}

/// A step's configuration; a bad retry strategy is the guest's invalid argument.
pub(super) fn step_config(config: wit::StepConfig) -> Result<replay::StepConfig, String> {
    Ok(replay::StepConfig {
        retry: config.retry.map(retry_policy).transpose()?,
        semantics: match config.semantics {
            wit::StepSemantics::AtLeastOncePerRetry => replay::StepSemantics::AtLeastOncePerRetry,
            wit::StepSemantics::AtMostOncePerRetry => replay::StepSemantics::AtMostOncePerRetry,
        },
        sub_type: config.sub_type,
    })
}

pub(super) fn condition_decision(decision: wit::ConditionDecision) -> replay::ConditionDecision {
    match decision {
        wit::ConditionDecision::Stop => replay::ConditionDecision::Stop,
        wit::ConditionDecision::ContinueAfter(seconds) => {
            replay::ConditionDecision::ContinueAfter(seconds)
        }
        wit::ConditionDecision::ContinueWith(c) => {
            replay::ConditionDecision::ContinueWith(WaitStrategy {
                max_attempts: c.max_attempts,
                initial_delay_seconds: c.initial_delay_seconds,
                max_delay_seconds: c.max_delay_seconds,
                backoff_rate: c.backoff_rate,
                jitter: jitter(c.jitter),
            })
        }
    }
}

pub(super) fn batch_kind(kind: wit::BatchKind) -> replay::BatchKind {
    match kind {
        wit::BatchKind::Map => replay::BatchKind::Map,
        wit::BatchKind::Parallel => replay::BatchKind::Parallel,
    }
}

pub(super) fn batch_config(config: wit::BatchConfig) -> replay::BatchConfig {
    replay::BatchConfig {
        max_concurrency: config.max_concurrency,
        completion: replay::CompletionConfig {
            min_successful: config.completion.min_successful,
            tolerated_failure_count: config.completion.tolerated_failure_count,
            tolerated_failure_percentage: config.completion.tolerated_failure_percentage,
        },
        nesting: match config.nesting {
            wit::Nesting::Nested => replay::Nesting::Nested,
            wit::Nesting::Flat => replay::Nesting::Flat,
        },
        branch_names: config.branch_names,
    }
}

impl From<replay::BatchOutcome> for wit::BatchOutcome {
    fn from(outcome: replay::BatchOutcome) -> Self {
        wit::BatchOutcome {
            items: outcome
                .all
                .into_iter()
                .map(|item| wit::BatchItem {
                    index: item.index,
                    status: item.status.into(),
                    result: item.result,
                    error: item.error.map(Into::into),
                })
                .collect(),
            completion_reason: match outcome.completion_reason {
                replay::CompletionReason::AllCompleted => wit::CompletionReason::AllCompleted,
                replay::CompletionReason::MinSuccessfulReached => {
                    wit::CompletionReason::MinSuccessfulReached
                }
                replay::CompletionReason::FailureToleranceExceeded => {
                    wit::CompletionReason::FailureToleranceExceeded
                }
                replay::CompletionReason::CustomCompletionSucceeded => {
                    wit::CompletionReason::CustomCompletionSucceeded
                }
                replay::CompletionReason::CustomCompletionFailed => {
                    wit::CompletionReason::CustomCompletionFailed
                }
            },
        }
    }
}

impl From<replay::ItemStatus> for wit::ItemStatus {
    fn from(status: replay::ItemStatus) -> Self {
        match status {
            replay::ItemStatus::Succeeded => wit::ItemStatus::Succeeded,
            replay::ItemStatus::Failed => wit::ItemStatus::Failed,
            replay::ItemStatus::Started => wit::ItemStatus::Started,
        }
    }
}
