"""Helpers shared by the suites' handlers."""

import json

from durabox_durable import (BatchResult, CompletionConfig, Duration, JitterStrategy,
                             RetryPresets, RetryStrategyConfig, StepConfig,
                             create_retry_strategy)


def text(value) -> str:
    """The input as a string (the suite passes plain JSON strings; anything else is
    rendered as compact JSON, `null` included)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def secs(n) -> Duration:
    return Duration.from_seconds(n)


NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def every_second(attempts: int):
    """`attempts` in total, 1 s apart (no backoff, no jitter)."""
    return create_retry_strategy(RetryStrategyConfig(
        max_attempts=attempts, initial_delay=secs(1), backoff_rate=1.0,
        jitter_strategy=JitterStrategy.NONE))


def tolerate(n: int) -> CompletionConfig:
    """A completion config tolerating `n` failed branches."""
    return CompletionConfig(tolerated_failure_count=n)


FULL = ("completionReason", "status", "successCount", "failureCount", "totalCount")
COUNTS = ("completionReason", "successCount", "failureCount", "totalCount")


def projection(result: BatchResult, keys) -> dict:
    """The subset `keys` of {completionReason, status, successCount, failureCount,
    totalCount} of a batch result (`totalCount` counts the started branches)."""
    every = {
        "completionReason": result.completion_reason.value,
        "status": result.status.value,
        "successCount": result.success_count,
        "failureCount": result.failure_count,
        "totalCount": result.total_count,
    }
    return {k: every[k] for k in keys}
