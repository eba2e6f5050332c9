"""Retry strategies (`aws_durable_execution_sdk_python.retries`). Strategies built here
are sent to the host, which applies them (attempts, backoff, jitter, error filters);
calling one computes the same decision locally. Any other callable
`fn(error, attempt) -> RetryDecision` is called by the SDK after each failed attempt."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Optional

from .config import Duration, JitterStrategy, seconds
from .exceptions import type_name


@dataclass(frozen=True)
class RetryDecision:
    should_retry: bool
    delay: Duration = field(default_factory=Duration)

    @classmethod
    def retry(cls, delay: Duration) -> "RetryDecision":
        return cls(True, delay)

    @classmethod
    def no_retry(cls) -> "RetryDecision":
        return cls(False, Duration())


@dataclass
class RetryStrategyConfig:
    """`retryable_errors`: substrings of the message (str) or `re.Pattern`s;
    `retryable_error_types`: exception classes. Neither = every error is retried."""

    max_attempts: int = 3
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: float = 2.0
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: Optional[list] = None
    retryable_error_types: Optional[list] = None


class RetryStrategy:
    """A strategy the host applies. `kind` is a preset name, "fixed" or "custom"."""

    def __init__(self, kind: str, config: RetryStrategyConfig, increment: int = 0):
        self.kind, self.config, self.increment = kind, config, increment

    def to_wit(self):
        from ._wit import wit

        c = self.config
        if self.kind == "fixed":
            return wit.RetryStrategy_Fixed((c.max_attempts, seconds(c.initial_delay)))
        if self.kind != "custom":
            return wit.RetryStrategy_Preset(wit.RetryPreset[self.kind.upper()])
        patterns = None
        if c.retryable_errors is not None:
            patterns = [p.pattern if isinstance(p, re.Pattern) else re.escape(p)
                        for p in c.retryable_errors]
        types = None
        if c.retryable_error_types is not None:
            types = [t if isinstance(t, str) else type_name(t) for t in c.retryable_error_types]
        return wit.RetryStrategy_Custom(wit.RetryConfig(
            max_attempts=c.max_attempts,
            initial_delay_seconds=seconds(c.initial_delay),
            max_delay_seconds=seconds(c.max_delay),
            backoff_rate=float(c.backoff_rate),
            backoff=wit.Backoff.EXPONENTIAL,
            increment_seconds=0,
            jitter=wit.Jitter[c.jitter_strategy.name],
            retryable_error_patterns=patterns,
            retryable_error_types=types,
        ))

    def __call__(self, error: Exception, attempts_made: int) -> RetryDecision:
        c = self.config
        if attempts_made >= c.max_attempts or not _retryable(c, error):
            return RetryDecision.no_retry()
        initial, cap = seconds(c.initial_delay), seconds(c.max_delay)
        if self.increment:
            base = min(initial + self.increment * (attempts_made - 1), cap)
        else:
            base = min(initial * c.backoff_rate ** (attempts_made - 1), cap)
        delay = max(1, math.ceil(c.jitter_strategy.compute_jitter(base)))
        return RetryDecision.retry(Duration.from_seconds(delay))


def _retryable(c: RetryStrategyConfig, error: Exception) -> bool:
    if c.retryable_errors is None and c.retryable_error_types is None:
        return True
    message = str(error)
    for p in c.retryable_errors or []:
        if (p.search(message) if isinstance(p, re.Pattern) else p in message):
            return True
    return any(isinstance(error, t) if isinstance(t, type) else type_name(type(error)) == t
               for t in c.retryable_error_types or [])


def create_retry_strategy(config: Optional[RetryStrategyConfig] = None) -> RetryStrategy:
    return RetryStrategy("custom", config or RetryStrategyConfig())


def _preset(kind, attempts, initial, cap, rate, jitter, increment=0) -> RetryStrategy:
    config = RetryStrategyConfig(attempts, Duration.from_seconds(initial),
                                 Duration.from_seconds(cap), rate, jitter)
    return RetryStrategy(kind, config, increment)


class RetryPresets:
    """The AWS presets; the host knows their parameters."""

    @staticmethod
    def default() -> RetryStrategy:
        return _preset("default", 6, 5, 60, 2.0, JitterStrategy.FULL)

    @staticmethod
    def none() -> RetryStrategy:
        return _preset("none", 1, 5, 60, 2.0, JitterStrategy.NONE)

    @staticmethod
    def transient() -> RetryStrategy:
        return _preset("transient", 3, 5, 300, 2.0, JitterStrategy.HALF)

    @staticmethod
    def resource_availability() -> RetryStrategy:
        return _preset("resource_availability", 5, 5, 300, 2.0, JitterStrategy.FULL)

    @staticmethod
    def critical() -> RetryStrategy:
        return _preset("critical", 10, 1, 60, 1.5, JitterStrategy.NONE)

    @staticmethod
    def linear() -> RetryStrategy:
        return _preset("linear", 6, 1, 300, 1.0, JitterStrategy.NONE, increment=1)

    @staticmethod
    def fixed(interval: Duration = Duration(seconds=5), max_attempts: int = 5) -> RetryStrategy:
        i = seconds(interval)
        return _preset("fixed", max_attempts, i, i, 1.0, JitterStrategy.NONE)
