"""AWS SDK 3.0's `lambda_service`: the wire models of the durable execution service
(ErrorObject, Operation, OperationUpdate, their details and options, the enums) and its
client.

The models are plain data here (same fields, defaults and PascalCase dict forms as
AWS's). The client cannot work inside a component: the durabox host is the checkpoint
service and a component has no network, so `LambdaClient` raises a RuntimeError saying so
when it is built or called. `ErrorObject.from_exception` is how every error escaping user
code is recorded (see `exceptions`)."""

from __future__ import annotations

import builtins
import dataclasses
import datetime
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, List, MutableMapping, NoReturn, Optional, Protocol

from .exceptions import DurableOperationError, SerDesError

ReplayChildren = bool
OperationPayload = str
TimeoutSeconds = int

_SERDES_ERROR_TYPE = f"{SerDesError.__module__}.{SerDesError.__qualname__}"


class OperationAction(Enum):
    START = "START"
    SUCCEED = "SUCCEED"
    FAIL = "FAIL"
    RETRY = "RETRY"
    CANCEL = "CANCEL"


class OperationStatus(Enum):
    STARTED = "STARTED"
    PENDING = "PENDING"
    READY = "READY"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"
    STOPPED = "STOPPED"


class OperationType(Enum):
    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


class CallbackTimeoutType(Enum):
    TIMEOUT = "Callback.Timeout"
    HEARTBEAT = "Callback.Heartbeat"


class OperationSubType(StrEnum):
    """The `SubType` the SDK records for each kind of operation."""

    STEP = "Step"
    WAIT = "Wait"
    CALLBACK = "Callback"
    RUN_IN_CHILD_CONTEXT = "RunInChildContext"
    MAP = "Map"
    MAP_ITERATION = "MapIteration"
    PARALLEL = "Parallel"
    PARALLEL_BRANCH = "ParallelBranch"
    WAIT_FOR_CALLBACK = "WaitForCallback"
    WAIT_FOR_CONDITION = "WaitForCondition"
    CHAINED_INVOKE = "ChainedInvoke"


class InvocationStatus(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"
    RETRY = "RETRY"


def _qualified_error_type(exception: BaseException) -> str:
    """`module.QualName` of the exception's class; builtins unqualified."""
    cls = type(exception)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True)
class ErrorObject:
    """An error as the service records it (`ErrorMessage`, `ErrorType`, `ErrorData`,
    `StackTrace`). What user code sees as `BatchItem.error`."""

    message: Optional[str] = None
    type: Optional[str] = None
    data: Optional[str] = None
    stack_trace: Optional[List[str]] = None

    @classmethod
    def from_dict(cls, data: MutableMapping[str, Any]) -> "ErrorObject":
        return cls(message=data.get("ErrorMessage"), type=data.get("ErrorType"),
                   data=data.get("ErrorData"), stack_trace=data.get("StackTrace"))

    @classmethod
    def from_exception(cls, exception: BaseException) -> "ErrorObject":
        """How an exception escaping user code is recorded, as AWS SDK 3.0 records it:
        ErrorType the qualified class name (builtins unqualified), ErrorMessage `str(e)`,
        no ErrorData and no StackTrace; the SDK's own operation errors pass on their
        recorded `message`, `data` and `stack_trace`, and every SerDesError is recorded
        as `...exceptions.SerDesError` so that replay rebuilds it as one."""
        if isinstance(exception, SerDesError):
            return cls(exception.message, _SERDES_ERROR_TYPE, exception.data,
                       exception.stack_trace)
        wire_type = _qualified_error_type(exception)
        if isinstance(exception, DurableOperationError):
            return cls(exception.message, wire_type, exception.data, exception.stack_trace)
        return cls(str(exception), wire_type, None, None)

    @classmethod
    def from_message(cls, message: str) -> "ErrorObject":
        return cls(message, None, None, None)

    @classmethod
    def from_wit(cls, e) -> "ErrorObject":
        """From the WIT `error-object` record."""
        return cls(e.error_message, e.error_type, e.error_data,
                   list(e.stack_trace) if e.stack_trace is not None else None)

    def to_dict(self) -> MutableMapping[str, Any]:
        fields = {"ErrorMessage": self.message, "ErrorType": self.type,
                  "ErrorData": self.data, "StackTrace": self.stack_trace}
        return {k: v for k, v in fields.items() if v is not None}

    def to_durable_operation_error(self) -> DurableOperationError:
        return DurableOperationError.from_error_fields(self.type, self.message, self.data,
                                                       self.stack_trace)

    def raise_as_operation_error(
            self, operation_error_cls: builtins.type[DurableOperationError]) -> NoReturn:
        """Raises `operation_error_cls` (SerDesError for a recorded serdes failure) with
        this error's fields; its `__cause__` is the recorded error rebuilt as the SDK
        class it names (DurableOperationError when it names none)."""
        cause = self.to_durable_operation_error()
        cls = SerDesError if self.type == _SERDES_ERROR_TYPE else operation_error_cls
        raise cls(message=self.message, error_type=self.type, data=self.data,
                  stack_trace=self.stack_trace) from cause


# ---- PascalCase dict forms ------------------------------------------------------------

def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class _Wire:
    """`from_dict` / `to_dict` over the dataclass fields, keys in PascalCase; nested
    models, enums and datetimes converted by field type."""

    _NESTED: dict = {}
    _TIMESTAMPS: tuple = ()
    _ENUMS: dict = {}
    _LISTS: dict = {}

    @classmethod
    def from_dict(cls, data: MutableMapping[str, Any]):
        kwargs = {}
        for f in dataclasses.fields(cls):
            key = _pascal(f.name)
            if key not in data or data[key] is None:
                continue
            value = data[key]
            if f.name in cls._NESTED:
                value = _resolve(cls._NESTED[f.name]).from_dict(value)
            elif f.name in cls._LISTS:
                value = [_resolve(cls._LISTS[f.name]).from_dict(v) for v in value]
            elif f.name in cls._ENUMS:
                value = _resolve(cls._ENUMS[f.name])(value)
            elif f.name in cls._TIMESTAMPS and not isinstance(value, datetime.datetime):
                value = TimestampConverter.from_unix_millis(value)
            kwargs[f.name] = value
        return cls(**kwargs)

    def to_dict(self) -> MutableMapping[str, Any]:
        result = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, list):
                value = [v.to_dict() if hasattr(v, "to_dict") else v for v in value]
            elif hasattr(value, "to_dict"):
                value = value.to_dict()
            result[_pascal(f.name)] = value
        return result


def _resolve(name):
    return globals()[name] if isinstance(name, str) else name


@dataclass(frozen=True)
class DurableExecutionInvocationOutput(_Wire):
    """What a handler invocation returns to the service (`Status`, `Result`, `Error`)."""

    status: InvocationStatus
    result: Optional[str] = None
    error: Optional[ErrorObject] = None
    _NESTED = {"error": "ErrorObject"}
    _ENUMS = {"status": "InvocationStatus"}

    @classmethod
    def create_succeeded(cls, result: str) -> "DurableExecutionInvocationOutput":
        return cls(status=InvocationStatus.SUCCEEDED, result=result)

    @classmethod
    def create_retry(cls, error: ErrorObject) -> "DurableExecutionInvocationOutput":
        return cls(status=InvocationStatus.RETRY, error=error)

    @classmethod
    def create_pending(cls) -> "DurableExecutionInvocationOutput":
        return cls(status=InvocationStatus.PENDING)


@dataclass(frozen=True)
class ExecutionDetails(_Wire):
    input_payload: Optional[str] = None


@dataclass(frozen=True)
class ContextDetails(_Wire):
    replay_children: ReplayChildren = False
    result: Optional[OperationPayload] = None
    error: Optional[ErrorObject] = None
    _NESTED = {"error": "ErrorObject"}


@dataclass(frozen=True)
class StepDetails(_Wire):
    attempt: int = 0
    next_attempt_timestamp: Optional[datetime.datetime] = None
    result: Optional[OperationPayload] = None
    error: Optional[ErrorObject] = None
    _NESTED = {"error": "ErrorObject"}
    _TIMESTAMPS = ("next_attempt_timestamp",)


@dataclass(frozen=True)
class WaitDetails(_Wire):
    scheduled_end_timestamp: Optional[datetime.datetime] = None
    _TIMESTAMPS = ("scheduled_end_timestamp",)


@dataclass(frozen=True)
class CallbackDetails(_Wire):
    callback_id: str
    result: Optional[str] = None
    error: Optional[ErrorObject] = None
    _NESTED = {"error": "ErrorObject"}


@dataclass(frozen=True)
class ChainedInvokeDetails(_Wire):
    result: Optional[str] = None
    error: Optional[ErrorObject] = None
    _NESTED = {"error": "ErrorObject"}


@dataclass(frozen=True)
class StepOptions(_Wire):
    next_attempt_delay_seconds: int = 0


@dataclass(frozen=True)
class WaitOptions(_Wire):
    wait_seconds: int = 1


@dataclass(frozen=True)
class CallbackOptions(_Wire):
    timeout_seconds: TimeoutSeconds = 0
    heartbeat_timeout_seconds: int = 0


@dataclass(frozen=True)
class ChainedInvokeOptions(_Wire):
    function_name: str
    tenant_id: Optional[str] = None
    x_amzn_trace_id: Optional[str] = None


@dataclass(frozen=True)
class ContextOptions(_Wire):
    replay_children: ReplayChildren = False


@dataclass(frozen=True)
class OperationUpdate(_Wire):
    """One change checkpointed by the SDK. In durabox the host writes the checkpoints;
    this model is for code that builds or reads such updates."""

    operation_id: str
    operation_type: OperationType
    action: OperationAction
    parent_id: Optional[str] = None
    name: Optional[str] = None
    sub_type: Optional[str] = None
    payload: Optional[str] = None
    error: Optional[ErrorObject] = None
    context_options: Optional[ContextOptions] = None
    step_options: Optional[StepOptions] = None
    wait_options: Optional[WaitOptions] = None
    callback_options: Optional[CallbackOptions] = None
    chained_invoke_options: Optional[ChainedInvokeOptions] = None
    _ENUMS = {"operation_type": "OperationType", "action": "OperationAction"}
    _NESTED = {"error": "ErrorObject", "context_options": "ContextOptions",
               "step_options": "StepOptions", "wait_options": "WaitOptions",
               "callback_options": "CallbackOptions",
               "chained_invoke_options": "ChainedInvokeOptions"}

    def to_dict(self) -> MutableMapping[str, Any]:
        result = super().to_dict()
        result["Id"] = result.pop("OperationId")
        result["Type"] = result.pop("OperationType")
        return result

    @classmethod
    def from_dict(cls, data: MutableMapping[str, Any]) -> "OperationUpdate":
        data = dict(data)
        data.setdefault("OperationId", data.get("Id"))
        data.setdefault("OperationType", data.get("Type"))
        return super().from_dict(data)


class TimestampConverter:
    """Service timestamps (Unix milliseconds) to and from timezone-aware datetimes."""

    @staticmethod
    def to_unix_millis(dt: Optional[datetime.datetime]) -> Optional[int]:
        return int(dt.timestamp() * 1000) if dt is not None else None

    @staticmethod
    def from_unix_millis(ms: Optional[int]) -> Optional[datetime.datetime]:
        if ms is None:
            return None
        return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)


@dataclass(frozen=True)
class Operation(_Wire):
    """One recorded operation of an execution's history."""

    operation_id: str
    operation_type: OperationType
    status: OperationStatus
    parent_id: Optional[str] = None
    name: Optional[str] = None
    start_timestamp: Optional[datetime.datetime] = None
    end_timestamp: Optional[datetime.datetime] = None
    sub_type: Optional[str] = None
    execution_details: Optional[ExecutionDetails] = None
    context_details: Optional[ContextDetails] = None
    step_details: Optional[StepDetails] = None
    wait_details: Optional[WaitDetails] = None
    callback_details: Optional[CallbackDetails] = None
    chained_invoke_details: Optional[ChainedInvokeDetails] = None
    _ENUMS = {"operation_type": "OperationType", "status": "OperationStatus"}
    _TIMESTAMPS = ("start_timestamp", "end_timestamp")
    _NESTED = {"execution_details": "ExecutionDetails", "context_details": "ContextDetails",
               "step_details": "StepDetails", "wait_details": "WaitDetails",
               "callback_details": "CallbackDetails",
               "chained_invoke_details": "ChainedInvokeDetails"}

    @classmethod
    def from_dict(cls, data: MutableMapping[str, Any]) -> "Operation":
        data = dict(data)
        data.setdefault("OperationId", data.get("Id"))
        data.setdefault("OperationType", data.get("Type"))
        return super().from_dict(data)

    def to_dict(self) -> MutableMapping[str, Any]:
        result = super().to_dict()
        result["Id"] = result.pop("OperationId")
        result["Type"] = result.pop("OperationType")
        for key, value in list(result.items()):
            if isinstance(value, datetime.datetime):
                result[key] = TimestampConverter.to_unix_millis(value)
        return result

    def to_json_dict(self) -> MutableMapping[str, Any]:
        return self.to_dict()

    @classmethod
    def from_json_dict(cls, data: MutableMapping[str, Any]) -> "Operation":
        return cls.from_dict(data)


@dataclass(frozen=True)
class CheckpointUpdatedExecutionState(_Wire):
    operations: List[Operation] = field(default_factory=list)
    next_marker: Optional[str] = None
    _LISTS = {"operations": "Operation"}


@dataclass(frozen=True)
class CheckpointOutput(_Wire):
    checkpoint_token: Optional[str]
    new_execution_state: CheckpointUpdatedExecutionState
    _NESTED = {"new_execution_state": "CheckpointUpdatedExecutionState"}

    @classmethod
    def from_dict(cls, data: MutableMapping[str, Any]) -> "CheckpointOutput":
        return cls(checkpoint_token=data.get("CheckpointToken"),
                   new_execution_state=CheckpointUpdatedExecutionState.from_dict(
                       data.get("NewExecutionState") or {}))


@dataclass(frozen=True)
class StateOutput(_Wire):
    operations: List[Operation] = field(default_factory=list)
    next_marker: Optional[str] = None
    _LISTS = {"operations": "Operation"}


_NO_CLIENT = ("durabox: a component has no Lambda service client (no network); the durabox "
              "host is the checkpoint service and the SDK talks to it through WIT calls")


class DurableServiceClient(Protocol):
    """The checkpoint service the AWS SDK talks to (the durabox host, in durabox)."""

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str,
                   updates: List[OperationUpdate],
                   client_token: Optional[str]) -> CheckpointOutput: ...

    def get_execution_state(self, durable_execution_arn: str, checkpoint_token: str,
                            next_marker: str, max_items: int = 1000) -> StateOutput: ...


class LambdaClient(DurableServiceClient):
    """AWS's boto3-backed client. It cannot work in a component: building or calling it
    raises RuntimeError."""

    def __init__(self, client: Any = None) -> None:
        raise RuntimeError(_NO_CLIENT)

    @classmethod
    def initialize_client(cls) -> "LambdaClient":
        raise RuntimeError(_NO_CLIENT)

    def checkpoint(self, *args: Any, **kwargs: Any) -> CheckpointOutput:
        raise RuntimeError(_NO_CLIENT)

    def get_execution_state(self, *args: Any, **kwargs: Any) -> StateOutput:
        raise RuntimeError(_NO_CLIENT)
