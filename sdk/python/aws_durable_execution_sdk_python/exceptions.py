"""Errors handler code can catch, and the suspension signal it must not catch.

Names and hierarchy follow AWS SDK 3.0's `exceptions` module. An exception escaping a
step, a child context or the handler is recorded as AWS's
`lambda_service.ErrorObject.from_exception` records it: ErrorType is the qualified class
name (`module.QualName`, builtins unqualified; every `SerDesError` as
`aws_durable_execution_sdk_python.exceptions.SerDesError`), ErrorMessage is `str(e)`
(`e.message` for the SDK's operation and serdes errors), ErrorData and StackTrace only come
from an SDK `DurableOperationError` / `SerDesError` that carries them (a recorded error
passed on); a plain exception records no StackTrace, as with AWS.
"""

from __future__ import annotations

import time
from enum import Enum
from typing import Optional, TypedDict

# How BotoClientError classifies service errors (HTTP status codes, error code, message).
BAD_REQUEST_ERROR = 400
TOO_MANY_REQUESTS_ERROR = 429
SERVICE_ERROR = 500
INVALID_PARAMETER_VALUE_EXCEPTION = "InvalidParameterValueException"
INVALID_CHECKPOINT_TOKEN_PREFIX = "Invalid checkpoint token"


class SuspendExecution(BaseException):
    """The invocation must end now (pending wait, retry, callback, invoke...). It derives
    from BaseException so that `except Exception:` in handler code does not swallow it."""

    def __init__(self, message: str = ""):
        super().__init__(message)


class TimedSuspendExecution(SuspendExecution):
    """A suspension that names when to resume (the durabox host schedules resumption
    from the pending operation, so the timestamp is informational)."""

    def __init__(self, message: str, scheduled_timestamp: float):
        super().__init__(message)
        self.scheduled_timestamp = scheduled_timestamp

    @classmethod
    def from_delay(cls, message: str, delay_seconds: int) -> "TimedSuspendExecution":
        return cls(message, scheduled_timestamp=time.time() + delay_seconds)

    @classmethod
    def from_datetime(cls, message: str, datetime_timestamp) -> "TimedSuspendExecution":
        return cls(message, scheduled_timestamp=datetime_timestamp.timestamp())


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


class AwsErrorObj(TypedDict):
    """The `Error` member of a boto3 error response."""

    Code: Optional[str]
    Message: Optional[str]


class AwsErrorMetadata(TypedDict):
    """The `ResponseMetadata` member of a boto3 error response."""

    RequestId: Optional[str]
    HostId: Optional[str]
    HTTPStatusCode: Optional[int]
    HTTPHeaders: Optional[str]
    RetryAttempts: Optional[str]


class DurableApiErrorCategory(Enum):
    """Whether a failed service call should retry the invocation (INVOCATION) or fail the
    execution (EXECUTION)."""

    INVOCATION = "INVOCATION"
    EXECUTION = "EXECUTION"


CheckpointErrorCategory = DurableApiErrorCategory

# Service error codes that are the customer's to fix (retrying cannot help).
_CUSTOMER_ERROR_CODES = frozenset({"KMSAccessDeniedException", "KMSDisabledException",
                                   "KMSInvalidStateException", "KMSNotFoundException"})


class BotoClientError(InvocationError):
    """A failed Lambda service call. In durabox the guest makes no service calls (the host
    is the service), so the SDK never raises it; it exists for code that catches it."""

    def __init__(self, message: str,
                 error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
                 error: Optional[AwsErrorObj] = None,
                 response_metadata: Optional[AwsErrorMetadata] = None,
                 termination_reason=TerminationReason.INVOCATION_ERROR):
        super().__init__(message=message, termination_reason=termination_reason)
        self.error = error
        self.response_metadata = response_metadata
        self.error_category = error_category

    @classmethod
    def from_exception(cls, exception: Exception):
        response = getattr(exception, "response", {}) or {}
        error, metadata = response.get("Error"), response.get("ResponseMetadata")
        return cls(message=str(exception),
                   error_category=cls._classify_error_category(error, metadata),
                   error=error, response_metadata=metadata)

    @staticmethod
    def _classify_error_category(error, response_metadata) -> DurableApiErrorCategory:
        code = (error or {}).get("Code") or ""
        if code in _CUSTOMER_ERROR_CODES:
            return DurableApiErrorCategory.EXECUTION
        status = (response_metadata or {}).get("HTTPStatusCode") or 0
        stale_token = (code == INVALID_PARAMETER_VALUE_EXCEPTION and
                       ((error or {}).get("Message") or "").startswith(
                           INVALID_CHECKPOINT_TOKEN_PREFIX))
        if error and BAD_REQUEST_ERROR <= status < SERVICE_ERROR \
                and status != TOO_MANY_REQUESTS_ERROR and not stale_token:
            return DurableApiErrorCategory.EXECUTION
        return DurableApiErrorCategory.INVOCATION

    def is_retryable(self) -> bool:
        return self.error_category == DurableApiErrorCategory.INVOCATION

    is_retriable = is_retryable

    def build_logger_extras(self) -> dict:
        extras = {}
        if self.error:
            extras["Error"] = self.error
        if self.response_metadata:
            extras["ResponseMetadata"] = self.response_metadata
        return extras


class NonDeterministicExecutionError(ExecutionError):
    """A replay diverged from the recorded history. The durabox host detects this itself
    and fails the execution; guest code never sees it raised."""

    def __init__(self, message: str, step_id: Optional[str] = None):
        super().__init__(message, TerminationReason.NON_DETERMINISTIC_EXECUTION)
        self.step_id = step_id


class CheckpointError(BotoClientError):
    """A failed checkpoint call (never raised in durabox: the host checkpoints)."""

    def __init__(self, message: str,
                 error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
                 error: Optional[AwsErrorObj] = None,
                 response_metadata: Optional[AwsErrorMetadata] = None):
        super().__init__(message, error_category, error, response_metadata,
                         termination_reason=TerminationReason.CHECKPOINT_FAILED)


class GetExecutionStateError(BotoClientError):
    """A failed execution-state call (never raised in durabox: the host holds the state)."""

    def __init__(self, message: str,
                 error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
                 error: Optional[AwsErrorObj] = None,
                 response_metadata: Optional[AwsErrorMetadata] = None):
        super().__init__(message, error_category, error, response_metadata,
                         termination_reason=TerminationReason.INVOCATION_ERROR)


class StepInterruptedError(InvocationError):
    """An AT_MOST_ONCE_PER_RETRY step attempt was interrupted before it ended. The durabox
    host records it (ErrorType `StepInterruptedError`) and applies the retry strategy."""

    def __init__(self, message: str, step_id: Optional[str] = None):
        super().__init__(message, TerminationReason.STEP_INTERRUPTED)
        self.step_id = step_id


class BackgroundThreadError(BaseException):
    """A fatal error of the SDK's checkpointing thread (a component has none)."""

    def __init__(self, message: str, source_exception: Exception):
        super().__init__(message)
        self.source_exception = source_exception


class OrderedLockError(DurableExecutionsError):
    """A broken OrderedLock chain (SDK threading; a component is single-threaded)."""

    def __init__(self, message: str, source_exception: Optional[Exception] = None) -> None:
        if source_exception is not None:
            message = f"{message} {type(source_exception).__name__}: {source_exception}"
        super().__init__(message)
        self.source_exception = source_exception


class OrphanedChildException(BaseException):
    """A branch tried to checkpoint after its batch completed (the durabox host stops such
    branches itself)."""

    def __init__(self, message: str, operation_id: str):
        super().__init__(message)
        self.operation_id = operation_id


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
        if not hasattr(error, "error_message"):  # lambda_service.ErrorObject
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


def type_name(cls: type) -> str:
    """`module.QualName`, or just `QualName` for builtins (AWS `ErrorObject.from_exception`)."""
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


for _cls in (StepError, InvokeError, ChildContextError, WaitForConditionError, CallbackError,
             CallbackExternalError, CallbackTimeoutError, CallbackSubmitterError):
    register_operation_error(_cls)


def error_object(e: BaseException):
    """The WIT ErrorObject recorded for an exception escaping user code
    (`lambda_service.ErrorObject.from_exception`)."""
    from ._wit import wit
    from .lambda_service import ErrorObject

    error = ErrorObject.from_exception(e)
    return wit.ErrorObject(error_type=error.type, error_message=error.message,
                           error_data=error.data, stack_trace=error.stack_trace)


def __getattr__(name: str):
    if name == "ErrorObject":  # defined in lambda_service (as with AWS); kept importable here
        from .lambda_service import ErrorObject

        return ErrorObject
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
