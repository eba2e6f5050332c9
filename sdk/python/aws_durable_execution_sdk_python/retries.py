"""Retry strategies (`aws_durable_execution_sdk_python.retries`). Strategies built here
are sent to the host, which applies them (attempts, backoff, jitter, error filters);
calling one computes the same decision locally. Any other callable
`fn(error, attempt) -> RetryDecision` is called by the SDK after each failed attempt."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Optional, TypeVar

from .config import ChildConfig, Duration, JitterStrategy, seconds, seconds_of
from .exceptions import SuspendExecution, type_name


@dataclass(frozen=True)
class RetryDecision:
    should_retry: bool
    delay: Duration = field(default_factory=Duration)

    delay_seconds = seconds_of("delay")

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

    initial_delay_seconds = seconds_of("initial_delay")
    max_delay_seconds = seconds_of("max_delay")


@dataclass
class LinearRetryStrategyConfig:
    """Delay `initial_delay + increment * (attempt - 1)`, capped at `max_delay`; error
    filters as in RetryStrategyConfig."""

    max_attempts: int = 6
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    increment: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: Optional[list] = None
    retryable_error_types: Optional[list] = None

    initial_delay_seconds = seconds_of("initial_delay")
    increment_seconds = seconds_of("increment")
    max_delay_seconds = seconds_of("max_delay")


class RetryStrategy:
    """A strategy the host applies. `kind` is a preset name, "fixed", "custom" or
    "custom-linear" (a LinearRetryStrategyConfig)."""

    def __init__(self, kind: str, config: RetryStrategyConfig, increment: int = 0):
        self.kind, self.config, self.increment = kind, config, increment

    def to_wit(self):
        from ._wit import wit

        c = self.config
        if self.kind == "fixed":
            return wit.RetryStrategy_Fixed((c.max_attempts, seconds(c.initial_delay)))
        if self.kind not in ("custom", "custom-linear"):
            return wit.RetryStrategy_Preset(wit.RetryPreset[self.kind.upper()])
        linear = self.kind == "custom-linear"
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
            backoff_rate=1.0 if linear else float(c.backoff_rate),
            backoff=wit.Backoff.LINEAR if linear else wit.Backoff.EXPONENTIAL,
            increment_seconds=seconds(c.increment) if linear else 0,
            jitter=wit.Jitter[c.jitter_strategy.name],
            retryable_error_patterns=patterns,
            retryable_error_types=types,
        ))

    def __call__(self, error: Exception, attempts_made: int) -> RetryDecision:
        c = self.config
        if attempts_made >= c.max_attempts or not _retryable(c, error):
            return RetryDecision.no_retry()
        initial, cap = seconds(c.initial_delay), seconds(c.max_delay)
        if self.increment or self.kind == "custom-linear":
            base = min(initial + self.increment * (attempts_made - 1), cap)
        else:
            base = min(initial * c.backoff_rate ** (attempts_made - 1), cap)
        return RetryDecision.retry(Duration.from_seconds(c.jitter_strategy.finalize_delay(base)))


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


def create_linear_retry_strategy(config: Optional[LinearRetryStrategyConfig] = None
                                 ) -> RetryStrategy:
    """A linearly increasing delay (applied by the host)."""
    config = config or LinearRetryStrategyConfig()
    return RetryStrategy("custom-linear", config, seconds(config.increment))


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
    def fixed(interval: Optional[Duration] = None, max_attempts: int = 5) -> RetryStrategy:
        """Constant delay between retries (5 s by default, no jitter)."""
        i = seconds(interval) if interval is not None else 5
        return _preset("fixed", max_attempts, i, i, 1.0, JitterStrategy.NONE)


T = TypeVar("T")


@dataclass(frozen=True)
class WithRetryConfig(Generic[T]):
    """`with_retry` options: `retry_strategy` (a `fn(error, attempt) -> RetryDecision`,
    e.g. from `create_retry_strategy`; None = RetryStrategyConfig defaults), whether to
    run the loop in a child context, and that context's ChildConfig."""

    retry_strategy: Optional[Callable[[Exception, int], RetryDecision]] = None
    wrap_with_run_in_child_context: bool = True
    child_context_config: Optional[ChildConfig] = None


def with_retry(context, func: Callable[[Any, int], Any], config: WithRetryConfig,
               name: Optional[str] = None) -> Any:
    """Runs `func(ctx, attempt)` (attempt 1-based) until it returns, retrying the whole
    body, durable operations included, as `config.retry_strategy` decides; between
    attempts a durable wait (named `<name>-backoff-<attempt>` when `name` is set).
    Wrapped in a child context by default (a final failure then raises
    ChildContextError); otherwise the last error propagates unchanged. The strategy runs
    in the guest, jitter included, like any `fn(error, attempt)` strategy."""
    strategy = config.retry_strategy or create_retry_strategy()

    def run_loop(ctx):
        attempt = 0
        while True:
            attempt += 1
            try:
                return func(ctx, attempt)
            except SuspendExecution:
                raise
            except Exception as err:  # noqa: BLE001  (the strategy decides)
                decision = strategy(err, attempt)
                if not decision.should_retry:
                    raise
                ctx.wait(decision.delay, f"{name}-backoff-{attempt}" if name else None)

    if config.wrap_with_run_in_child_context:
        return context.run_in_child_context(run_loop, name=name,
                                            config=config.child_context_config)
    return run_loop(context)
