"""The types handed to user functions (`aws_durable_execution_sdk_python.types`):
step, submitter and condition-check contexts, and the logger protocol. `DurableContext`,
`Callback` and `BatchResult` are re-exported from where they are defined."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, TypeVar


class LoggerInterface(Protocol):
    """What `DurableContext.set_logger` accepts (a `logging.Logger` fits)."""

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None: ...

    def info(self, msg: object, *args: object, **kwargs: Any) -> None: ...

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None: ...

    def error(self, msg: object, *args: object, **kwargs: Any) -> None: ...

    def exception(self, msg: object, *args: object, **kwargs: Any) -> None: ...


@dataclass(frozen=True)
class OperationContext:
    logger: Any


@dataclass(frozen=True)
class StepContext(OperationContext):
    """What a step function receives; `attempt` is 1-based."""

    attempt: int = 1


@dataclass(frozen=True)
class WaitForCallbackContext(OperationContext):
    """What a wait_for_callback submitter receives besides the callback id (`attempt`,
    the submitter step's attempt, is a durabox addition)."""

    attempt: int = 1


@dataclass(frozen=True)
class WaitForConditionCheckContext(OperationContext):
    """What a wait_for_condition check receives; `attempt` is 1-based."""

    attempt: int = 1


C_contra = TypeVar("C_contra", contravariant=True)


class SummaryGenerator(Protocol[C_contra]):
    """Makes the summary a large map / parallel result is checkpointed as
    (`MapConfig.summary_generator`): the durabox host writes its own summary."""

    def __call__(self, result: C_contra) -> str: ...

_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:/]+)(?::[^/]*)?"
                  r"/durable-execution/([^/]+)/([^/]+)$")


@dataclass(frozen=True)
class DurableExecutionArn:
    """The parts of a durable execution ARN
    (`arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]/durable-execution/<execution>/<invocation>`)."""

    function_name: str
    execution_name: str
    invocation_id: str

    @classmethod
    def from_arn(cls, arn: str) -> Optional["DurableExecutionArn"]:
        """The parts of `arn`, or None if it is not a durable execution ARN."""
        match = _ARN.match(arn or "")
        return cls(*match.groups()) if match else None


def __getattr__(name: str):
    if name in ("DurableContext", "Callback"):
        from . import context

        return getattr(context, name)
    if name == "BatchResult":
        from .concurrency.models import BatchResult

        return BatchResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

