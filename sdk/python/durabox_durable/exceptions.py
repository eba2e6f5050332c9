"""Errors handler code can catch, and the suspension signal it must not catch.

Names and hierarchy follow `aws_durable_execution_sdk_python.exceptions`. An exception
escaping a step, a child context or the handler is recorded as an AWS ErrorObject:
ErrorType is the qualified class name (`module.QualName`, builtins unqualified),
ErrorMessage is `str(e)`.
"""

from __future__ import annotations

from enum import Enum


class SuspendExecution(BaseException):
    """The invocation must end now (pending wait, retry, callback, invoke...). It derives
    from BaseException so that `except Exception:` in handler code does not swallow it."""

    def __init__(self, message: str = ""):
        super().__init__(message)


class TerminationReason(Enum):
    """Why an execution or invocation ended (carried by `UnrecoverableError`)."""

    UNHANDLED_ERROR = "UNHANDLED_ERROR"
    INVOCATION_ERROR = "INVOCATION_ERROR"
    EXECUTION_ERROR = "EXECUTION_ERROR"
    CHECKPOINT_FAILED = "CHECKPOINT_FAILED"
    NON_DETERMINISTIC_EXECUTION = "NON_DETERMINISTIC_EXECUTION"
    STEP_INTERRUPTED = "STEP_INTERRUPTED"
    SERIALIZATION_ERROR = "SERIALIZATION_ERROR"


class DurableExecutionsError(Exception):
    """Base of the SDK's errors."""


class PluginLoadError(DurableExecutionsError):
    """A configured plugin could not be loaded. Kept for `except` clauses ported from
    AWS: durabox has no plugin discovery, and bad `plugins=` entries raise TypeError."""


class UnrecoverableError(DurableExecutionsError):
    """An error that ends the invocation (`termination_reason` says how)."""

    def __init__(self, message: str, termination_reason: TerminationReason):
        super().__init__(message)
        self.termination_reason = termination_reason


class ExecutionError(UnrecoverableError):
    """Raised from the handler: the execution fails (FAILED) without a retry."""

    def __init__(self, message: str,
                 termination_reason: TerminationReason = TerminationReason.EXECUTION_ERROR):
        super().__init__(message, termination_reason)


class InvocationError(UnrecoverableError):
    """Raised from the handler (or escaping a step): the invocation crashes and the host
    invokes the handler again, as Lambda retries a failed invocation. The host fails the
    execution after several crashes in a row."""

    def __init__(self, message: str,
                 termination_reason: TerminationReason = TerminationReason.INVOCATION_ERROR):
        super().__init__(message, termination_reason)

    def is_retryable(self) -> bool:
        return True


class ValidationError(DurableExecutionsError):
    """The arguments were rejected before anything was checkpointed."""


class InvalidStateError(DurableExecutionsError):
    """An operation was attempted on an object in a state that does not allow it."""


class _ErrorFields:
    """The fields of a recorded ErrorObject on an exception: `message`, `error_type` (this
    class's qualified name when none is known), `data`, `stack_trace`."""

    def __init__(self, message=None, error_type=None, data=None, stack_trace=None):
        super().__init__(message)
        self.message = message
        self.error_type = error_type or type_name(type(self))
        self.data = data
        self.stack_trace = stack_trace

    def __str__(self):
        return self.message or ""


class SerDesError(_ErrorFields, DurableExecutionsError):
    """A value could not be serialized or deserialized (a permanent failure)."""


class RetryableSerDesError(InvocationError):
    """Raised by a custom SerDes for a transient failure: the invocation is retried
    instead of the operation failing (see InvocationError)."""

    def __init__(self, message: str,
                 termination_reason: TerminationReason = TerminationReason.SERIALIZATION_ERROR):
        super().__init__(message, termination_reason)


class DurableOperationError(_ErrorFields, DurableExecutionsError):
    """Base of the per-operation failures. `error_type` is the recorded ErrorType of the
    error that escaped the operation (this class's qualified name when none is known);
    `message`, `data`, `stack_trace` come from the recorded ErrorObject."""

    @classmethod
    def from_error_fields(cls, error_type, message, data, stack_trace) -> "DurableOperationError":
        """The registered SDK class whose qualified name is `error_type`, else
        DurableOperationError, built from recorded error fields."""
        target = _REGISTRY.get(error_type or "", DurableOperationError)
        return target(message=message, error_type=error_type, data=data,
                      stack_trace=stack_trace)

    @classmethod
    def from_error_object(cls, error) -> "DurableOperationError":
        """This class built from a WIT (or SDK) ErrorObject."""
        if isinstance(error, ErrorObject):
            return cls(error.message, error.type, error.data, error.stack_trace)
        return cls(error.error_message, error.error_type, error.error_data, error.stack_trace)


# The name of the base before AWS SDK 3.0 (and of earlier durabox releases).
CallableRuntimeError = DurableOperationError


class StepError(DurableOperationError):
    """A step failed for good (retries exhausted or not retryable)."""


class InvokeError(DurableOperationError):
    """A chained invoke's target failed, timed out or was stopped."""


class ChildContextError(DurableOperationError):
    """A child context (or a map / parallel branch) failed."""


class WaitForConditionError(DurableOperationError):
    """A condition check failed, or the wait strategy ran out of attempts."""


class CallbackError(DurableOperationError):
    """Base of the callback failures (catches them all)."""


class CallbackExternalError(CallbackError):
    """The external system completed the callback with a failure
    (SendDurableExecutionCallbackFailure)."""


class CallbackTimeoutError(CallbackError):
    """A callback timed out (ErrorType `Callback.Timeout` or `Callback.Heartbeat`)."""


class CallbackSubmitterError(CallbackError):
    """The submitter step of wait_for_callback failed."""


_REGISTRY: dict = {}


def register_operation_error(error_cls: type) -> None:
    """Lets `DurableOperationError.from_error_fields` rebuild `error_cls` from its
    qualified name (the class must take message, error_type, data, stack_trace)."""
    _REGISTRY[type_name(error_cls)] = error_cls


class ErrorObject:
    """AWS ErrorObject as the SDK hands it to user code (e.g. `BatchItem.error`)."""

    def __init__(self, message=None, type=None, data=None, stack_trace=None):  # noqa: A002
        self.message, self.type, self.data, self.stack_trace = message, type, data, stack_trace

    @classmethod
    def from_wit(cls, e) -> "ErrorObject":
        return cls(e.error_message, e.error_type, e.error_data, e.stack_trace)

    def to_dict(self) -> dict:
        fields = {"ErrorMessage": self.message, "ErrorType": self.type,
                  "ErrorData": self.data, "StackTrace": self.stack_trace}
        return {k: v for k, v in fields.items() if v is not None}

    def __repr__(self):
        return f"ErrorObject(type={self.type!r}, message={self.message!r})"

    def __eq__(self, other):
        return isinstance(other, ErrorObject) and self.to_dict() == other.to_dict()


def type_name(cls: type) -> str:
    """`module.QualName`, or just `QualName` for builtins (AWS `ErrorObject.from_exception`)."""
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


for _cls in (StepError, InvokeError, ChildContextError, WaitForConditionError, CallbackError,
             CallbackExternalError, CallbackTimeoutError, CallbackSubmitterError):
    register_operation_error(_cls)


def error_object(e: BaseException):
    """The WIT ErrorObject recorded for an exception escaping user code."""
    from ._wit import wit

    data = stack = None
    if isinstance(e, (DurableOperationError, SerDesError)):
        data, stack = e.data, e.stack_trace
    return wit.ErrorObject(error_type=type_name(type(e)), error_message=str(e),
                           error_data=data, stack_trace=stack)
