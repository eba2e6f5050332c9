"""Operation configuration, named after `aws_durable_execution_sdk_python.config`
(fields, defaults and positional order as in AWS SDK 3.0). The host applies every
policy; these classes only describe them."""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Generic, Optional, Tuple, TypeVar

from .exceptions import ValidationError

# Type parameters of the generic configs (as in AWS's `config`).
T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Duration:
    """A span of whole seconds (durable timers have one-second resolution)."""

    seconds: int = 0

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValidationError("Duration seconds must be positive")

    def to_seconds(self) -> int:
        return int(self.seconds)

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


def seconds_of(name: str) -> property:
    """A read-only `<name>_seconds` view of a Duration field, as AWS's configs have."""
    return property(lambda self: seconds(getattr(self, name)))


class NestingType(Enum):
    """NESTED: each branch is a CONTEXT operation; FLAT: no branch operations."""

    NESTED = "NESTED"
    FLAT = "FLAT"


class BatchItemStatus(Enum):
    """The status of one map item / parallel branch."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STARTED = "STARTED"


# ---- custom completion (AWS `CompletionConfig.should_complete`) ---------------------

class CompletionOutcome(Enum):
    """Whether a custom completion decision ends the batch as a success or a failure."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class CompletionDecision:
    """What a `should_complete` predicate returns; build it with `continue_batch()` or
    `complete_batch(outcome)`."""

    complete: bool
    outcome: Optional[CompletionOutcome] = None

    def __post_init__(self) -> None:
        if self.complete and self.outcome is None:
            raise ValidationError("outcome is required when complete is True")
        if not self.complete and self.outcome is not None:
            raise ValidationError("outcome must be None when complete is False")


def continue_batch() -> CompletionDecision:
    """Keep the batch going."""
    return CompletionDecision(complete=False)


def complete_batch(outcome: CompletionOutcome = CompletionOutcome.SUCCEEDED
                   ) -> CompletionDecision:
    """End the batch now with `outcome`."""
    return CompletionDecision(complete=True, outcome=outcome)


@dataclass(frozen=True)
class CompletionItemStatus:
    """One branch in a `CompletionStatus` (`status` None: not scheduled yet)."""

    index: int
    name: Optional[str] = None
    status: Optional[BatchItemStatus] = None


@dataclass(frozen=True)
class CompletionStatus:
    """The progress snapshot a `should_complete` predicate is given."""

    success_count: int
    failure_count: int
    completed_count: int
    total_count: int
    items: Tuple[CompletionItemStatus, ...] = ()


@dataclass(frozen=True)
class CompletionConfig:
    """When a map or parallel is done. Nothing set = fail on the first failure.

    `should_complete` (a custom predicate, exclusive with the thresholds) is called with
    a `CompletionStatus` before any branch runs and after every branch that ends; when it
    returns `complete_batch(outcome)` the batch completes with reason
    CUSTOM_COMPLETION_SUCCEEDED / CUSTOM_COMPLETION_FAILED. It still completes once every
    branch has ended."""

    min_successful: Optional[int] = None
    tolerated_failure_count: Optional[int] = None
    tolerated_failure_percentage: Optional[float] = None
    should_complete: Optional[Callable[[CompletionStatus], CompletionDecision]] = None

    def __post_init__(self) -> None:
        if self.min_successful is not None and self.min_successful < 1:
            raise ValidationError(
                f"min_successful must be at least 1, got: {self.min_successful}")
        if self.tolerated_failure_count is not None and self.tolerated_failure_count < 0:
            raise ValidationError("tolerated_failure_count must be non-negative, got: "
                                  f"{self.tolerated_failure_count}")
        pct = self.tolerated_failure_percentage
        if pct is not None and not 0 <= pct <= 100:
            raise ValidationError(
                f"tolerated_failure_percentage must be between 0 and 100, got: {pct}")
        if self.should_complete is not None:
            if not callable(self.should_complete):
                raise ValidationError("should_complete must be callable")
            if (self.min_successful is not None or self.tolerated_failure_count is not None
                    or pct is not None):
                raise ValidationError("should_complete cannot be combined with "
                                      "min_successful, tolerated_failure_count, or "
                                      "tolerated_failure_percentage")

    @staticmethod
    def first_successful() -> "CompletionConfig":
        return CompletionConfig(min_successful=1)

    @staticmethod
    def all_completed() -> "CompletionConfig":
        return CompletionConfig(tolerated_failure_percentage=100)

    @staticmethod
    def all_successful() -> "CompletionConfig":
        return CompletionConfig(tolerated_failure_count=0, tolerated_failure_percentage=0)


def _check_concurrency(max_concurrency) -> None:
    if max_concurrency is not None and max_concurrency < 1:
        raise ValidationError(f"max_concurrency must be at least 1, got: {max_concurrency}")


@dataclass(frozen=True)
class ParallelConfig:
    """`item_serdes` records each branch's result, `serdes` the whole BatchResult (see
    MapConfig). `summary_generator` is accepted and not called: the host checkpoints
    results over 256 KiB with ReplayChildren itself."""

    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig.all_successful)
    serdes: Any = None
    item_serdes: Any = None
    summary_generator: Optional[Callable[[Any], str]] = None
    nesting_type: NestingType = NestingType.NESTED

    def __post_init__(self) -> None:
        _check_concurrency(self.max_concurrency)


@dataclass(frozen=True)
class ParallelBranch(Generic[T]):
    """A parallel branch with its own name (default `parallel-branch-<i>`)."""

    func: Callable
    name: Optional[str] = None

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)


class StepSemantics(Enum):
    AT_MOST_ONCE_PER_RETRY = "AT_MOST_ONCE_PER_RETRY"
    AT_LEAST_ONCE_PER_RETRY = "AT_LEAST_ONCE_PER_RETRY"


_SUB_TYPE_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")


def _validate_sub_type(sub_type: Optional[str]) -> None:
    """1 to 32 characters from A-Z a-z 0-9 - _ (None or "" = the default subtype)."""
    if sub_type and (len(sub_type) > 32 or not set(sub_type) <= _SUB_TYPE_CHARACTERS):
        raise ValidationError("sub_type must be 1 to 32 characters from A-Z, a-z, 0-9, "
                              f"hyphen, and underscore, got: {sub_type!r}")


@dataclass(frozen=True)
class StepConfig:
    """`retry_strategy`: None (AWS default: 6 attempts), a strategy from `retries`
    (applied by the host), or any `fn(error, attempt) -> RetryDecision`. `serdes`: a
    `serdes.SerDes` for the result (`serdes.ExtendedTypeSerDes` when None)."""

    retry_strategy: Optional[Callable] = None
    step_semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY
    serdes: Any = None
    sub_type: Optional[str] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)


@dataclass(frozen=True)
class ChildConfig(Generic[T]):
    """`serdes`: a `serdes.SerDes` for the context's result (ExtendedTypeSerDes when None).
    `summary_generator` is accepted and not called (the host checkpoints results over
    256 KiB with ReplayChildren itself); `is_virtual=True` is rejected with
    ValidationError (the host has no virtual child contexts outside FLAT map/parallel)."""

    serdes: Any = None
    sub_type: Optional[str] = None
    summary_generator: Optional[Callable[[Any], str]] = None
    is_virtual: bool = False

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)


@dataclass(frozen=True)
class MapConfig(Generic[T]):
    """`item_serdes` (a `serdes.SerDes`) records each item's result (`serdes` when None);
    `serdes` records the whole BatchResult and reads it back on replay. Both default to
    `serdes.ExtendedTypeSerDes`, as in the AWS SDK.
    `summary_generator` is accepted and not called (see ParallelConfig)."""

    max_concurrency: Optional[int] = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig)
    serdes: Any = None
    item_serdes: Any = None
    summary_generator: Optional[Callable[[Any], str]] = None
    nesting_type: NestingType = NestingType.NESTED
    item_namer: Optional[Callable[[Any, int], str]] = None

    def __post_init__(self) -> None:
        _check_concurrency(self.max_concurrency)


@dataclass(frozen=True)
class InvokeConfig(Generic[P, R]):
    """`serdes_payload` writes the payload, `serdes_result` reads the target's result
    (`serdes.JsonSerDes`, i.e. `json.dumps` / `json.loads`, when None)."""

    serdes_payload: Any = None
    serdes_result: Any = None
    tenant_id: Optional[str] = None


@dataclass(frozen=True)
class CallbackConfig:
    """Zero durations disable a timeout. `serdes` reads the callback's result (the raw
    string when None)."""

    timeout: Duration = field(default_factory=Duration)
    heartbeat_timeout: Duration = field(default_factory=Duration)
    serdes: Any = None
    sub_type: Optional[str] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _validate_sub_type(self.sub_type)

    timeout_seconds = seconds_of("timeout")
    heartbeat_timeout_seconds = seconds_of("heartbeat_timeout")


@dataclass(frozen=True)
class WaitForCallbackConfig(CallbackConfig):
    """CallbackConfig plus the retry strategy of the submitter step."""

    retry_strategy: Optional[Callable] = None


class JitterStrategy(str, Enum):
    NONE = "NONE"
    FULL = "FULL"
    HALF = "HALF"

    def apply_jitter(self, delay: float) -> float:
        """NONE: `delay`; FULL: random in [0, delay); HALF: random in [delay/2, delay)."""
        if self is JitterStrategy.FULL:
            return random.random() * delay
        if self is JitterStrategy.HALF:
            return delay / 2 + random.random() * delay / 2
        return delay

    compute_jitter = apply_jitter  # the earlier durabox name

    def finalize_delay(self, base_delay: float) -> int:
        """The jittered delay rounded up to whole seconds, at least 1."""
        return max(1, math.ceil(self.apply_jitter(base_delay)))
