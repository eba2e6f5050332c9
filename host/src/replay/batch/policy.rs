//! The completion policy and the configuration check: pure functions of the counts and
//! the guest's configuration, so they are tested without an engine.

use super::{BatchConfig, CompletionConfig, CompletionReason};

/// When a batch is complete (AWS `CompletionPolicy`); tolerance is checked first.
pub fn completion(
    config: &CompletionConfig,
    total: u32,
    succeeded: u32,
    failed: u32,
) -> Option<CompletionReason> {
    let no_criteria = config.min_successful.is_none()
        && config.tolerated_failure_count.is_none()
        && config.tolerated_failure_percentage.is_none();
    let exceeded = if no_criteria {
        failed > 0
    } else {
        config.tolerated_failure_count.is_some_and(|c| failed > c)
            || config
                .tolerated_failure_percentage
                .is_some_and(|p| total > 0 && f64::from(failed) / f64::from(total) * 100.0 > p)
    };
    if exceeded {
        Some(CompletionReason::FailureToleranceExceeded)
    } else if succeeded + failed >= total {
        Some(CompletionReason::AllCompleted)
    } else if config.min_successful.is_some_and(|m| succeeded >= m) {
        Some(CompletionReason::MinSuccessfulReached)
    } else {
        None
    }
}

/// Branches one batch may have: the host keeps state per branch, so a guest asking for
/// u32::MAX of them must be refused, not served (it aborted the process on allocation).
/// Equal to the default operations per invocation: every branch is at least one.
pub const MAX_BRANCHES: u32 = 100_000;

/// Checks a batch configuration before anything is checkpointed.
pub fn validate(config: &BatchConfig, count: u32) -> Result<(), String> {
    if count > MAX_BRANCHES {
        return Err(format!(
            "a map or parallel of {count} items exceeds durabox's limit of {MAX_BRANCHES} \
             (the operations one invocation may issue)"
        ));
    }
    if config.max_concurrency == Some(0) {
        return Err("max_concurrency must be at least 1".into());
    }
    match config.completion.min_successful {
        Some(0) => return Err("min_successful must be at least 1".into()),
        Some(m) if m > count => {
            return Err(format!(
                "min_successful ({m}) exceeds the number of items ({count})"
            ))
        }
        _ => {}
    }
    if let Some(p) = config.completion.tolerated_failure_percentage {
        if !(0.0..=100.0).contains(&p) {
            return Err(format!(
                "tolerated_failure_percentage must be between 0 and 100, got {p}"
            ));
        }
    }
    if let Some(names) = &config.branch_names {
        if names.len() != count as usize {
            return Err(format!(
                "{} branch names given for {count} branches",
                names.len()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(min: Option<u32>, count: Option<u32>, pct: Option<f64>) -> CompletionConfig {
        CompletionConfig {
            min_successful: min,
            tolerated_failure_count: count,
            tolerated_failure_percentage: pct,
        }
    }

    #[test]
    fn no_criteria_fails_fast() {
        let c = CompletionConfig::default();
        assert_eq!(completion(&c, 5, 2, 0), None);
        assert_eq!(
            completion(&c, 5, 2, 1),
            Some(CompletionReason::FailureToleranceExceeded)
        );
        assert_eq!(
            completion(&c, 5, 5, 0),
            Some(CompletionReason::AllCompleted)
        );
        assert_eq!(
            completion(&c, 0, 0, 0),
            Some(CompletionReason::AllCompleted)
        );
    }

    #[test]
    fn tolerated_counts_and_percentages() {
        let count = config(None, Some(1), None);
        assert_eq!(completion(&count, 4, 1, 1), None);
        assert_eq!(
            completion(&count, 4, 3, 1),
            Some(CompletionReason::AllCompleted)
        );
        assert_eq!(
            completion(&count, 4, 1, 2),
            Some(CompletionReason::FailureToleranceExceeded)
        );
        let pct = config(None, None, Some(50.0));
        assert_eq!(completion(&pct, 4, 0, 2), None);
        assert_eq!(
            completion(&pct, 4, 0, 3),
            Some(CompletionReason::FailureToleranceExceeded)
        );
        // all_completed(): 100% tolerated, every branch runs.
        let all = config(None, None, Some(100.0));
        assert_eq!(
            completion(&all, 3, 0, 3),
            Some(CompletionReason::AllCompleted)
        );
    }

    #[test]
    fn min_successful_completes_early() {
        let first = config(Some(1), None, None);
        assert_eq!(completion(&first, 3, 0, 0), None);
        assert_eq!(
            completion(&first, 3, 1, 0),
            Some(CompletionReason::MinSuccessfulReached)
        );
        // Tolerance is checked first: with a minimum set, failures are tolerated
        // unless a tolerance says otherwise.
        assert_eq!(completion(&first, 3, 0, 2), None);
        let strict = config(Some(2), Some(0), None);
        assert_eq!(
            completion(&strict, 3, 1, 1),
            Some(CompletionReason::FailureToleranceExceeded)
        );
    }

    #[test]
    fn validation_before_any_checkpoint() {
        let ok = BatchConfig::default();
        assert!(validate(&ok, 3).is_ok());
        let zero = BatchConfig {
            max_concurrency: Some(0),
            ..BatchConfig::default()
        };
        assert_eq!(
            validate(&zero, 3).unwrap_err(),
            "max_concurrency must be at least 1"
        );
        let too_many = BatchConfig {
            completion: config(Some(4), None, None),
            ..BatchConfig::default()
        };
        assert_eq!(
            validate(&too_many, 3).unwrap_err(),
            "min_successful (4) exceeds the number of items (3)"
        );
        let pct = BatchConfig {
            completion: config(None, None, Some(120.0)),
            ..BatchConfig::default()
        };
        assert!(validate(&pct, 3).is_err());
    }

    #[test]
    fn a_huge_batch_is_refused_before_any_allocation() {
        let error = validate(&BatchConfig::default(), u32::MAX).unwrap_err();
        assert!(
            error.contains("exceeds durabox's limit of 100000"),
            "{error}"
        );
        assert!(validate(&BatchConfig::default(), MAX_BRANCHES).is_ok());
    }

    #[test]
    fn branch_ids_use_the_index_not_the_counter() {
        // Reference §2.2: map `H("5")` = 73776e3e…, its item 0 = H("73776e3e…-0") = a33fdc9f….
        let container = crate::model::ids::operation_id(None, 5);
        let item0 = crate::model::ids::hash_step_id(&format!("{container}-0"));
        assert!(container.starts_with("73776e3e"));
        assert!(item0.starts_with("a33fdc9f"));
    }
}
