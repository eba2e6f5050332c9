"""Errors handler code can catch, and the suspension signal it must not catch.

Names follow `aws_durable_execution_sdk_python.exceptions`. An exception escaping a step,
a child context or the handler is recorded as an AWS ErrorObject: ErrorType is the
qualified class name (`module.QualName`, builtins unqualified), ErrorMessage is `str(e)`.
"""

from __future__ import annotations


class SuspendExecution(BaseException):
    """The invocation must end now (pending wait, retry, callback, invoke...). It derives
    from BaseException so that `except Exception:` in handler code does not swallow it."""


class DurableExecutionsError(Exception):
    """Base of the SDK's errors."""


class ValidationError(DurableExecutionsError):
    """The host rejected the arguments before anything was checkpointed."""


class SerDesError(DurableExecutionsError):
    """A value could not be serialized to JSON."""


class CallableRuntimeError(DurableExecutionsError):
    """A durable operation failed; carries the recorded error's type, message and data."""

    def __init__(self, message=None, error_type=None, data=None, stack_trace=None):
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.data = data
        self.stack_trace = stack_trace

    def __str__(self):
        return self.message or ""

    @classmethod
    def from_error_object(cls, error) -> "CallableRuntimeError":
        """Builds the error from a WIT (or SDK) ErrorObject."""
        if isinstance(error, ErrorObject):
            return cls(error.message, error.type, error.data, error.stack_trace)
        return cls(error.error_message, error.error_type, error.error_data, error.stack_trace)


class StepError(CallableRuntimeError):
    """A step failed for good (retries exhausted or not retryable)."""


class ChildContextError(CallableRuntimeError):
    """A child context (or a map / parallel branch) failed."""


class CallbackError(CallableRuntimeError):
    """A callback was completed with a failure (or its submitter failed)."""


class CallbackTimeoutError(CallbackError):
    """A callback timed out (ErrorType `Callback.Timeout` or `Callback.Heartbeat`)."""


class CallbackSubmitterError(CallbackError):
    """The submitter step of wait_for_callback failed."""


class InvokeError(CallableRuntimeError):
    """A chained invoke's target failed, timed out or was stopped."""


class WaitForConditionError(CallableRuntimeError):
    """A condition check failed, or the wait strategy ran out of attempts."""


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


def error_object(e: BaseException):
    """The WIT ErrorObject recorded for an exception escaping user code."""
    from ._wit import wit

    data = stack = None
    if isinstance(e, CallableRuntimeError):
        data, stack = e.data, e.stack_trace
    return wit.ErrorObject(error_type=type_name(type(e)), error_message=str(e),
                           error_data=data, stack_trace=stack)
