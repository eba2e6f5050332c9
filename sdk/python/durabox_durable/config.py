"""Operation configuration, named after `aws_durable_execution_sdk_python.config`.
The host applies every policy; these classes only describe them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Optional


@dataclass(frozen=True)
class Duration:
    """A span of whole seconds (durable timers have one-second resolution)."""

    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def to_seconds(self) -> int:
        return int(self.days * 86400 + self.hours * 3600 + self.minutes * 60 + self.seconds)

    @classmethod
    def from_seconds(cls, value: float) -> "Duration":
        return cls(seconds=int(value))

    @classmethod
    def from_minutes(cls, value: float) -> "Duration":
        return cls(seconds=int(value * 60))

    @classmethod
    def from_hours(cls, value: float) -> "Duration":
        return cls(seconds=int(value * 3600))

    @classmethod
    def from_days(cls, value: float) -> "Duration":
        return cls(seconds=int(value * 86400))


def seconds(d) -> int:
    """Whole seconds of a Duration or a number."""
    return d.to_seconds() if isinstance(d, Duration) else int(d)


class StepSemantics(Enum):
    AT_MOST_ONCE_PER_RETRY = "AT_MOST_ONCE_PER_RETRY"
    AT_LEAST_ONCE_PER_RETRY = "AT_LEAST_ONCE_PER_RETRY"


class JitterStrategy(Enum):
    NONE = "NONE"
    FULL = "FULL"
    HALF = "HALF"

    def compute_jitter(self, delay: float) -> float:
        import random

        if self is JitterStrategy.FULL:
            return random.random() * delay
        if self is JitterStrategy.HALF:
            return delay / 2 + random.random() * delay / 2
        return delay


@dataclass
class StepConfig:
    """`retry_strategy`: None (AWS default: 6 attempts), a strategy from `retries`
    (applied by the host), or any `fn(error, attempt) -> RetryDecision`. `serdes`: a
    `serdes.SerDes` for the result (compact JSON when None)."""

    retry_strategy: Optional[Callable] = None
    step_semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY
    serdes: Any = None
    sub_type: Optional[str] = None


@dataclass
class ChildConfig:
    """`serdes`: a `serdes.SerDes` for the context's result (compact JSON when None)."""

    serdes: Any = None
    sub_type: Optional[str] = None


@dataclass
class CallbackConfig:
    """Zero durations disable a timeout. `serdes` reads the callback's result (the raw
    string when None)."""

    timeout: Duration = field(default_factory=Duration)
    heartbeat_timeout: Duration = field(default_factory=Duration)
    serdes: Any = None
    sub_type: Optional[str] = None


@dataclass
class WaitForCallbackConfig(CallbackConfig):
    """CallbackConfig plus the retry strategy of the submitter step."""

    retry_strategy: Optional[Callable] = None


@dataclass
class InvokeConfig:
    """`serdes_payload` writes the payload, `serdes_result` reads the target's result
    (JSON when None)."""

    serdes_payload: Any = None
    serdes_result: Any = None
    tenant_id: Optional[str] = None


@dataclass
class CompletionConfig:
    """When a map or parallel is done. Nothing set = fail on the first failure."""

    min_successful: Optional[int] = None
    tolerated_failure_count: Optional[int] = None
    tolerated_failure_percentage: Optional[float] = None

    @staticmethod
    def first_successful() -> "CompletionConfig":
        return CompletionConfig(min_successful=1)

    @staticmethod
    def all_completed() -> "CompletionConfig":
        return CompletionConfig(tolerated_failure_percentage=100.0)

    @staticmethod
    def all_successful() -> "CompletionConfig":
        return CompletionConfig(tolerated_failure_count=0, tolerated_failure_percentage=0.0)


class NestingType(Enum):
    """NESTED: each branch is a CONTEXT operation; FLAT: no branch operations."""

    NESTED = "NESTED"
    FLAT = "FLAT"


@dataclass
class MapConfig:
    """`item_serdes` (a `serdes.SerDes`) records each item's result; `serdes` records the
    whole BatchResult (the host's JSON when None) and reads it back on replay."""

    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig)
    serdes: Any = None
    item_serdes: Any = None
    nesting_type: NestingType = NestingType.NESTED
    item_namer: Optional[Callable[[Any, int], str]] = None


@dataclass
class ParallelConfig:
    """`item_serdes` and `serdes` as for MapConfig."""

    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig.all_successful)
    serdes: Any = None
    item_serdes: Any = None
    nesting_type: NestingType = NestingType.NESTED
