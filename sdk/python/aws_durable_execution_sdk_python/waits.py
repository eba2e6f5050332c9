"""wait_for_condition strategies (`aws_durable_execution_sdk_python.waits`). A strategy
from `create_wait_strategy` is applied by the host (delays, jitter, attempt limit); any
other `fn(state, attempt) -> WaitForConditionDecision` is decided in the guest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

from .config import Duration, JitterStrategy, seconds, seconds_of
from .exceptions import WaitForConditionError


@dataclass(frozen=True)
class WaitForConditionDecision:
    should_continue: bool
    delay: Duration = field(default_factory=Duration)

    delay_seconds = seconds_of("delay")

    @classmethod
    def continue_waiting(cls, delay: Duration) -> "WaitForConditionDecision":
        return cls(True, delay)

    @classmethod
    def stop_polling(cls) -> "WaitForConditionDecision":
        return cls(False, Duration())


T = TypeVar("T")


@dataclass
class WaitStrategyConfig(Generic[T]):
    """Poll while `should_continue_polling(state)` holds (AWS defaults below)."""

    should_continue_polling: Callable[[Any], bool]
    max_attempts: int = 60
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: float = 1.5
    jitter_strategy: JitterStrategy = JitterStrategy.FULL

    initial_delay_seconds = seconds_of("initial_delay")
    max_delay_seconds = seconds_of("max_delay")


class WaitStrategy:
    def __init__(self, config: WaitStrategyConfig):
        self.config = config

    def to_wit(self):
        from ._wit import wit

        c = self.config
        return wit.WaitStrategyConfig(
            max_attempts=c.max_attempts,
            initial_delay_seconds=seconds(c.initial_delay),
            max_delay_seconds=seconds(c.max_delay),
            backoff_rate=float(c.backoff_rate),
            jitter=wit.Jitter[c.jitter_strategy.name],
        )

    def __call__(self, state: Any, attempts_made: int) -> WaitForConditionDecision:
        c = self.config
        if not c.should_continue_polling(state):
            return WaitForConditionDecision.stop_polling()
        if attempts_made >= c.max_attempts:
            raise WaitForConditionError(f"wait_for_condition exhausted {c.max_attempts} "
                                        "attempts before the condition was met")
        base = min(seconds(c.initial_delay) * c.backoff_rate ** (attempts_made - 1),
                   seconds(c.max_delay))
        return WaitForConditionDecision.continue_waiting(
            Duration.from_seconds(c.jitter_strategy.finalize_delay(base)))


def create_wait_strategy(config: WaitStrategyConfig) -> WaitStrategy:
    return WaitStrategy(config)


@dataclass(frozen=True)
class WaitForConditionConfig(Generic[T]):
    wait_strategy: Callable[[Any, int], WaitForConditionDecision]
    initial_state: Any = None
    serdes: Any = None
