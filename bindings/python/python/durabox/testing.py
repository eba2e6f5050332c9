"""`durabox.testing`: AWS's Python testing API (`aws-durable-execution-sdk-python-testing`),
running the handler in durabox's sandbox instead of in the test's interpreter.

    from durabox.testing import DurableFunctionTestRunner

    with DurableFunctionTestRunner(handler=handler) as runner:   # or handler="app.py"
        result = runner.run(input='"input str"', timeout=10)
    assert result.status is InvocationStatus.SUCCEEDED
    assert result.get_step("one").result == '"1 2"'

`handler` is the handler function (its module's file is built), a handler source file or
folder (built as `durabox build` does, through the same cache), or a component (`.wasm`).
Time is skipped; a pending callback's timeout is never skipped to (the test can answer it
whenever it likes) unless `fire_callback_timeouts=True`.

durabox's own powers (not in AWS's runner), for executions started afterwards:

    runner.mock_step("price", result=12.5)              # the step's body does not run
    runner.mock_step("price", error=("PriceDown", "no quote"))   # through its retries
    runner.mock_invoke("payments", result={"paid": True})        # no target needed

and a manual clock (`manual_clock=True`): time stands still until the test moves it.

    arn = runner.run_async(input='{"item": "book"}')
    runner.run_until_idle(arn)             # the result once nothing more happens by itself
    runner.advance(arn, seconds=9)         # fires every timer due on the way, in order

The replay gate and crash testing:

    replayed = runner.replay(history)      # a history recorded anywhere, against this code
    assert replayed.reproduced, replayed.divergence
    chaos = runner.chaos(input='{"item": "book"}')   # a crash after every checkpoint
    assert chaos.all_same, chaos.changed

The status, operation type and status enums and `ErrorObject` are those of the AWS SDK
installed beside the test (`aws_durable_execution_sdk_python.lambda_service`), so
`result.status is InvocationStatus.SUCCEEDED` holds with the test's own imports.
"""

from __future__ import annotations

import datetime
import inspect
import json
import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Union

from . import _native

DuraboxError = _native.DuraboxError

try:  # the AWS SDK the handler is written against: its enums, so `is` comparisons hold
    from aws_durable_execution_sdk_python.lambda_service import (  # type: ignore
        ErrorObject, InvocationStatus, OperationStatus, OperationType)
except ImportError:  # no SDK installed beside the tests: the same shapes, durabox's own
    class InvocationStatus(Enum):  # type: ignore[no-redef]
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"
        PENDING = "PENDING"

    class OperationStatus(Enum):  # type: ignore[no-redef]
        STARTED = "STARTED"
        PENDING = "PENDING"
        READY = "READY"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"
        CANCELLED = "CANCELLED"
        TIMED_OUT = "TIMED_OUT"
        STOPPED = "STOPPED"

    class OperationType(Enum):  # type: ignore[no-redef]
        EXECUTION = "EXECUTION"
        CONTEXT = "CONTEXT"
        STEP = "STEP"
        WAIT = "WAIT"
        CALLBACK = "CALLBACK"
        CHAINED_INVOKE = "CHAINED_INVOKE"

    @dataclass(frozen=True)
    class ErrorObject:  # type: ignore[no-redef]
        message: str | None
        type: str | None
        data: str | None
        stack_trace: list[str] | None

        @classmethod
        def from_dict(cls, data: dict) -> "ErrorObject":
            return cls(message=data.get("ErrorMessage"), type=data.get("ErrorType"),
                       data=data.get("ErrorData"), stack_trace=data.get("StackTrace"))


class ExecutionStatus(Enum):
    """How the execution ended (`DurableFunctionTestResult.execution_status`)."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    STOPPED = "STOPPED"


class DurableFunctionsTestError(Exception):
    """A test asked for something the result does not have (AWS's runner raises the same)."""


HandlerSource = Union[Callable[..., Any], str, os.PathLike]

# An error a test hands to durabox: AWS's ErrorObject, `(type, message)`, or an exception.
ErrorSource = Union[ErrorObject, tuple[str, str], BaseException]

_UNSET: Any = object()


def _error_json(error: ErrorSource) -> str:
    """`error` as ErrorObject JSON (`{"ErrorType", "ErrorMessage", ...}`)."""
    if isinstance(error, tuple):
        error_type, message = error
        fields = {"ErrorType": error_type, "ErrorMessage": message}
    elif isinstance(error, BaseException):
        fields = {"ErrorType": type(error).__name__, "ErrorMessage": str(error)}
    else:
        fields = {"ErrorMessage": error.message, "ErrorType": error.type,
                  "ErrorData": error.data, "StackTrace": error.stack_trace}
    return json.dumps({k: v for k, v in fields.items() if v is not None})


def _serdes_context() -> Any:
    try:
        from aws_durable_execution_sdk_python.serdes import SerDesContext  # type: ignore
        return SerDesContext()
    except (ImportError, TypeError):
        return None


def _python_step_serdes() -> Any:
    """The AWS SDK's default step serdes (its typed-JSON envelope for dicts, tuples, ...),
    when the SDK is installed beside the test."""
    try:
        from aws_durable_execution_sdk_python.serdes import ExtendedTypeSerDes  # type: ignore
        return ExtendedTypeSerDes()
    except ImportError:
        return None


def _is_python(handler: HandlerSource) -> bool:
    """Whether `handler` is Python sources (a function, a .py file, a folder of them)."""
    if callable(handler):
        return True
    path = Path(handler)
    if path.is_dir():
        return not ((path / "package.json").exists() or (path / "Cargo.toml").exists())
    return path.suffix == ".py"


def _mock(name: str, result: Any, error: ErrorSource | None, serdes: Any) -> tuple:
    """A mock as `_native.Runner.start` takes it: (name, result JSON, error JSON)."""
    if error is not None:
        if result is not _UNSET:
            raise ValueError(f"the mock of {name!r} has both a result and an error")
        return (name, None, _error_json(error))
    if result is _UNSET:
        return (name, None, None)
    payload = json.dumps(result) if serdes is None else serdes.serialize(result, _serdes_context())
    return (name, payload, None)


def _seconds(by: float | datetime.timedelta) -> float:
    return by.total_seconds() if isinstance(by, datetime.timedelta) else float(by)


# ---- the replay gate and crash testing (durabox only) ---------------------------------

@dataclass(frozen=True)
class Divergence:
    """Where the code stopped matching the history: the operation (its 1-based position in
    start order, id and recorded name, where they apply; all None when the execution's end
    differs), what the history recorded and what the code did."""

    position: int | None
    id: str | None
    name: str | None
    expected: str
    got: str

    def __str__(self) -> str:
        where = "the execution" if self.position is None and self.id is None else \
            f"operation {self.position or '?'} ({self.name or self.id})"
        return f"{where}: expected {self.expected}, got {self.got}"


@dataclass(frozen=True)
class ReplayResult:
    """What `DurableFunctionTestRunner.replay` found: `reproduced` unless `divergence`."""

    reproduced: bool
    divergence: Divergence | None
    recorded_operations: int
    reproduced_operations: int
    finished: bool
    """Whether the history recorded the execution's end (then the result was compared)."""
    continued_at: str | None = None
    """What the code asked for past an unfinished history, if it went on."""

    @classmethod
    def from_report(cls, report: dict) -> "ReplayResult":
        divergence = report.get("divergence")
        return cls(reproduced=divergence is None,
                   divergence=Divergence(**divergence) if divergence else None,
                   recorded_operations=report["recorded_operations"],
                   reproduced_operations=report["reproduced_operations"],
                   finished=report["finished"], continued_at=report.get("continued_at"))


@dataclass(frozen=True)
class CrashPoint:
    """One crash point: the invocation crashed right after checkpoint `index` (1-based),
    `after` (e.g. `"SUCCEED STEP 'a'"`); `differences` from the uninterrupted run."""

    index: int
    after: str
    differences: list[str]


@dataclass(frozen=True)
class ChaosResult:
    """What `DurableFunctionTestRunner.chaos` found: the uninterrupted run's checkpoints and
    every crash point."""

    checkpoints: list[str]
    points: list[CrashPoint]

    @property
    def all_same(self) -> bool:
        """Whether every crash point kept the uninterrupted run's outcome."""
        return all(not point.differences for point in self.points)

    @property
    def changed(self) -> list[CrashPoint]:
        """The crash points whose outcome differs."""
        return [point for point in self.points if point.differences]

    @classmethod
    def from_report(cls, report: dict) -> "ChaosResult":
        return cls(checkpoints=report["checkpoints"],
                   points=[CrashPoint(**point) for point in report["points"]])


def _json_default(value: Any) -> Any:
    """What `json.dumps` cannot write in a history: datetimes (ISO), enums, bytes."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _history_json(history: Any) -> str:
    """A history as GetDurableExecutionHistory JSON text (`{"Events": [...]}`)."""
    if isinstance(history, bytes):
        history = history.decode("utf-8")
    if isinstance(history, str) and history.lstrip().startswith(("{", "[")):
        text = history
    elif isinstance(history, (str, os.PathLike)):
        path = Path(history)
        if not path.is_file():
            raise ValueError(f"not a history (JSON text) nor a history file: {str(history)[:80]!r}")
        text = path.read_text(encoding="utf-8")
    else:
        if isinstance(history, DurableFunctionTestResult):
            history = {"Events": history.events}
        elif not isinstance(history, (dict, list)) and hasattr(history, "to_dict"):
            history = history.to_dict()  # AWS's runner's GetDurableExecutionHistoryResponse
        if not isinstance(history, (dict, list)):
            raise TypeError(f"a history is a dict, a list of events, JSON text or a path, "
                            f"not {type(history).__name__}")
        text = json.dumps(history, default=_json_default)
    if text.lstrip().startswith("["):  # the events alone
        text = '{"Events": ' + text + "}"
    return text


# ---- operations, shaped as AWS's runner shapes them ------------------------------------

@dataclass(frozen=True)
class Operation:
    operation_id: str
    operation_type: OperationType
    status: OperationStatus
    parent_id: str | None = field(default=None, kw_only=True)
    name: str | None = field(default=None, kw_only=True)
    sub_type: str | None = field(default=None, kw_only=True)
    start_timestamp: datetime.datetime | None = field(default=None, kw_only=True)
    end_timestamp: datetime.datetime | None = field(default=None, kw_only=True)


class _Children:
    """Lookup among `child_operations` by name (AWS's `get_step`, `get_context`, ...)."""

    child_operations: list[Operation]

    def get_operation_by_name(self, name: str) -> Operation:
        for operation in self.child_operations:
            if operation.name == name:
                return operation
        raise DurableFunctionsTestError(f"Child Operation with name '{name}' not found")

    def get_step(self, name: str) -> "StepOperation":
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_wait(self, name: str) -> "WaitOperation":
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_context(self, name: str) -> "ContextOperation":
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_callback(self, name: str) -> "CallbackOperation":
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_invoke(self, name: str) -> "InvokeOperation":
        return self.get_operation_by_name(name)  # type: ignore[return-value]


@dataclass(frozen=True)
class ExecutionOperation(Operation):
    input_payload: str | None = None


@dataclass(frozen=True)
class ContextOperation(_Children, Operation):
    child_operations: list[Operation] = field(default_factory=list)
    result: str | None = None
    error: ErrorObject | None = None


@dataclass(frozen=True)
class StepOperation(ContextOperation):
    attempt: int = 0
    next_attempt_timestamp: datetime.datetime | None = None


@dataclass(frozen=True)
class WaitOperation(Operation):
    scheduled_end_timestamp: datetime.datetime | None = None


@dataclass(frozen=True)
class CallbackOperation(ContextOperation):
    callback_id: str | None = None


@dataclass(frozen=True)
class InvokeOperation(Operation):
    result: str | None = None
    error: ErrorObject | None = None


def _time(millis: int | None) -> datetime.datetime | None:
    if millis is None:
        return None
    return datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)


def _error(details: dict | None) -> ErrorObject | None:
    error = (details or {}).get("Error")
    return ErrorObject.from_dict(error) if error else None


def _operation(raw: dict, children: dict[str, list[dict]]) -> Operation:
    """One operation of durabox's snapshot (AWS's `Operation` JSON) as the runner's type."""
    common = dict(
        operation_id=raw["Id"], operation_type=OperationType(raw["Type"]),
        status=OperationStatus(raw["Status"]), parent_id=raw.get("ParentId"),
        name=raw.get("Name"), sub_type=raw.get("SubType"),
        start_timestamp=_time(raw.get("StartTimestamp")),
        end_timestamp=_time(raw.get("EndTimestamp")))
    kids = [_operation(c, children) for c in children.get(raw["Id"], [])]
    kind = raw["Type"]
    if kind == "STEP":
        d = raw.get("StepDetails") or {}
        return StepOperation(**common, child_operations=kids, result=d.get("Result"),
                             error=_error(d), attempt=d.get("Attempt", 0),
                             next_attempt_timestamp=_time(d.get("NextAttemptTimestamp")))
    if kind == "WAIT":
        d = raw.get("WaitDetails") or {}
        return WaitOperation(**common,
                             scheduled_end_timestamp=_time(d.get("ScheduledEndTimestamp")))
    if kind == "CALLBACK":
        d = raw.get("CallbackDetails") or {}
        return CallbackOperation(**common, child_operations=kids, result=d.get("Result"),
                                 error=_error(d), callback_id=d.get("CallbackId"))
    if kind == "CHAINED_INVOKE":
        d = raw.get("ChainedInvokeDetails") or {}
        return InvokeOperation(**common, result=d.get("Result"), error=_error(d))
    if kind == "EXECUTION":
        d = raw.get("ExecutionDetails") or {}
        return ExecutionOperation(**common, input_payload=d.get("InputPayload"))
    d = raw.get("ContextDetails") or {}
    return ContextOperation(**common, child_operations=kids, result=d.get("Result"),
                            error=_error(d))


@dataclass(frozen=True)
class Invocation:
    """What one invocation of the handler printed and logged (durabox only)."""

    request_id: str
    logs: list[dict]
    stdout: str
    stderr: str
    error: ErrorObject | None


@dataclass(frozen=True)
class DurableFunctionTestResult:
    """An execution's outcome: AWS's `DurableFunctionTestResult`, plus the history
    (`events`, as GetDurableExecutionHistory returns them) and each invocation's output."""

    status: InvocationStatus
    operations: list[Operation]
    result: str | None = None
    error: ErrorObject | None = None
    execution_status: ExecutionStatus | None = None
    execution_arn: str = ""
    events: list[dict] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)

    @classmethod
    def from_snapshot(cls, snapshot: dict) -> "DurableFunctionTestResult":
        execution = snapshot["Execution"]
        children: dict[str, list[dict]] = {}
        top: list[dict] = []
        for op in snapshot["Operations"]:
            if op["Type"] == "EXECUTION":
                continue
            parent = op.get("ParentId")
            (children.setdefault(parent, []) if parent else top).append(op)
        execution_status = ExecutionStatus(execution["Status"])
        status = {ExecutionStatus.SUCCEEDED: InvocationStatus.SUCCEEDED,
                  ExecutionStatus.RUNNING: InvocationStatus.PENDING}.get(
                      execution_status, InvocationStatus.FAILED)
        invocations = [Invocation(request_id=i["request_id"], logs=i["logs"],
                                  stdout=i["stdout"], stderr=i["stderr"],
                                  error=ErrorObject.from_dict(i["error"]) if i.get("error") else None)
                       for i in snapshot["Invocations"]]
        return cls(status=status, operations=[_operation(op, children) for op in top],
                   result=execution.get("Result"),
                   error=ErrorObject.from_dict(execution["Error"]) if execution.get("Error") else None,
                   execution_status=execution_status,
                   execution_arn=execution["DurableExecutionArn"],
                   events=snapshot["Events"], invocations=invocations)

    def get_operation_by_name(self, name: str) -> Operation:
        for operation in self.operations:
            if operation.name == name:
                return operation
        raise DurableFunctionsTestError(f"Operation with name '{name}' not found")

    def get_step(self, name: str) -> StepOperation:
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_wait(self, name: str) -> WaitOperation:
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_context(self, name: str) -> ContextOperation:
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_callback(self, name: str) -> CallbackOperation:
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_invoke(self, name: str) -> InvokeOperation:
        return self.get_operation_by_name(name)  # type: ignore[return-value]

    def get_all_operations(self) -> list[Operation]:
        """Every operation, nested ones included."""
        found: list[Operation] = []
        stack = list(self.operations)
        while stack:
            operation = stack.pop()
            found.append(operation)
            stack.extend(getattr(operation, "child_operations", None) or [])
        return found

    @property
    def logs(self) -> list[str]:
        """Every log line of every invocation, in order (its message)."""
        return [line["message"] for i in self.invocations for line in i.logs]


# ---- the runner ------------------------------------------------------------------------

def component_of(handler: HandlerSource) -> str:
    """The component to run for `handler`: a `.wasm` as is; a function's module file, or a
    handler source file or folder, built through durabox's cache."""
    if callable(handler):
        # The module the handler was defined in (a decorator's wrapper keeps __module__).
        module = sys.modules.get(getattr(handler, "__module__", None) or "")
        source = getattr(module, "__file__", None) or inspect.getsourcefile(inspect.unwrap(handler))
        if source is None:
            raise DuraboxError(f"cannot find the source file of {handler!r}")
        path = Path(source)
    else:
        path = Path(handler)
    if not path.exists():
        raise DuraboxError(f"handler not found: {path}")
    if path.suffix == ".wasm":
        return str(path)
    return _native.build(str(path))


class DurableFunctionTestRunner:
    """AWS's `DurableFunctionTestRunner`, running `handler` in durabox (see the module)."""

    def __init__(self, handler: HandlerSource, poll_interval: float = 1.0,
                 execution_timeout: int = 300, invocation_timeout: int = 900,
                 skip_time: bool = True, fire_callback_timeouts: bool = False,
                 env: dict[str, str] | None = None, fuel: int | None = None,
                 memory_mb: int | None = None, manual_clock: bool = False, **_ignored: Any):
        self.poll_interval = poll_interval
        self._execution_timeout = execution_timeout
        self._manual_clock = manual_clock
        self._step_serdes = _python_step_serdes() if _is_python(handler) else None
        self._step_mocks: dict[str, tuple] = {}
        self._invoke_mocks: dict[str, tuple] = {}
        self._config = dict(env=list((env or {}).items()), fuel=fuel, memory_mb=memory_mb,
                            invocation_timeout=float(invocation_timeout))
        self._runner = _native.Runner(component_of(handler), skip_time=skip_time,
                                      fire_callback_timeouts=fire_callback_timeouts,
                                      execution_timeout=execution_timeout, **self._config)

    def __enter__(self) -> "DurableFunctionTestRunner":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: executions live in this process until it exits."""

    def register_durable_function(self, function_name: str, handler: HandlerSource,
                                  **_ignored: Any) -> "DurableFunctionTestRunner":
        """Lets `context.invoke(function_name, ...)` run `handler` as its own execution."""
        self._runner.register_function(function_name, component_of(handler))
        return self

    register_function = register_durable_function

    def mock_step(self, name: str, result: Any = _UNSET, *, error: ErrorSource | None = None,
                  serdes: Any = None) -> "DurableFunctionTestRunner":
        """Answers the step `name` (anywhere, or only at the path `"context/inner/step"` of
        its enclosing named child contexts) without running its body: with `result` (neither
        given: no payload) or `error` (an ErrorObject, `(type, message)` or an exception; it
        goes through the step's retry strategy). `result` is serialized by `serdes` (an AWS
        SDK SerDes): by default the SDK's step default (ExtendedTypeSerDes) for a Python
        handler, `json.dumps` for a component or another language. For executions started
        afterwards; a later mock of the same name replaces the earlier."""
        self._step_mocks[name] = _mock(name, result, error, serdes or self._step_serdes)
        return self

    def mock_invoke(self, function_name: str, result: Any = _UNSET, *,
                    error: ErrorSource | None = None,
                    serdes: Any = None) -> "DurableFunctionTestRunner":
        """Answers chained invokes of `function_name` at once with `result` (by default
        `json.dumps`, as the SDK reads invoke results) or `error` (as `mock_step`, but
        without retries); the function need not be registered."""
        self._invoke_mocks[function_name] = _mock(function_name, result, error, serdes)
        return self

    def clear_mocks(self) -> "DurableFunctionTestRunner":
        """Forgets every mock (for executions started afterwards)."""
        self._step_mocks.clear()
        self._invoke_mocks.clear()
        return self

    def run(self, input: str | None = None, execution_timeout: int | None = None,  # noqa: A002
            timeout: int | None = None, execution_name: str | None = None,
            **_ignored: Any) -> DurableFunctionTestResult:
        """Runs the handler with `input` (JSON text; None: `{}`) until the execution ends."""
        # Run here until it ends or waits in real time: this call waits for it anyway.
        arn = self._start(input, execution_name, run_here=True)
        wait = execution_timeout or timeout or self._execution_timeout
        return self.wait_for_result(arn, timeout=wait)

    def run_async(self, input: str | None = None, execution_name: str | None = None,  # noqa: A002
                  **_ignored: Any) -> str:
        """Starts an execution; returns its ARN."""
        return self._start(input, execution_name, run_here=False)

    def _start(self, input: str | None, execution_name: str | None,  # noqa: A002
               run_here: bool) -> str:
        return self._runner.start("{}" if input is None else input, execution_name,
                                  manual_clock=self._manual_clock,
                                  step_mocks=list(self._step_mocks.values()),
                                  invoke_mocks=list(self._invoke_mocks.values()),
                                  run_here=run_here)

    def run_until_idle(self, execution_arn: str, timeout: float = 60) -> DurableFunctionTestResult:
        """Blocks until nothing more happens by itself (the execution ended, or it waits
        for time to move or a callback) and returns the execution then."""
        return DurableFunctionTestResult.from_snapshot(
            json.loads(self._runner.run_until_idle(execution_arn, float(timeout))))

    def advance(self, execution_arn: str, seconds: float | datetime.timedelta,
                timeout: float = 60) -> DurableFunctionTestResult:
        """With `manual_clock=True`: moves the execution's clock on by `seconds` (a number or
        a timedelta), firing each timer due on the way at its own instant with the handler
        run in between; returns the execution once it is idle again."""
        return DurableFunctionTestResult.from_snapshot(json.loads(
            self._runner.advance(execution_arn, _seconds(seconds), float(timeout))))

    def replay(self, history: Any, input: str | None = None) -> ReplayResult:  # noqa: A002
        """The replay gate: re-runs the handler against `history`, an execution recorded
        anywhere (AWS, its testing runner, boto3, the AWS CLI, durabox), without running the
        step bodies it recorded, and says whether this code reproduces it or where it first
        diverges. `history`: GetDurableExecutionHistory as a dict (`{"Events": [...]}`;
        datetimes allowed), a list of events, an AWS runner's history response or a durabox
        result, JSON text, or the path of a JSON file. `input` (JSON text) overrides the
        recorded input (needed when the history was fetched without execution data).
        An unreadable history raises ValueError."""
        report = self._runner.replay(_history_json(history), input)
        return ReplayResult.from_report(json.loads(report))

    def chaos(self, input: str | None = None,  # noqa: A002
              timeout: float | None = None) -> ChaosResult:
        """Crash testing: runs the handler with `input` (JSON text; None: `{}`) uninterrupted,
        then once per checkpoint with the invocation crashing right after it, and compares
        each outcome (status, result, error, every operation's end) with the uninterrupted
        one: `all_same` holds when the handler keeps no state outside durable operations.
        The mocks apply; time is skipped (unless `skip_time=False`), never a manual clock.
        `timeout`: seconds each run may take (default: the runner's execution timeout)."""
        wait = float(timeout or self._execution_timeout)
        report = self._runner.chaos("{}" if input is None else input, wait,
                                    step_mocks=list(self._step_mocks.values()),
                                    invoke_mocks=list(self._invoke_mocks.values()))
        return ChaosResult.from_report(json.loads(report))

    def wait_for_result(self, execution_arn: str, timeout: float = 60) -> DurableFunctionTestResult:
        if not self._runner.wait(execution_arn, float(timeout)):
            raise TimeoutError("Execution did not complete within timeout")
        return self.result(execution_arn)

    def result(self, execution_arn: str) -> DurableFunctionTestResult:
        """The execution now, finished or not."""
        return DurableFunctionTestResult.from_snapshot(json.loads(self._runner.snapshot(execution_arn)))

    def get_execution_history(self, execution_arn: str) -> dict:
        """`{"Events": [...]}`, as GetDurableExecutionHistory returns it."""
        return {"Events": self.result(execution_arn).events}

    def wait_for_callback(self, execution_arn: str, name: str | None = None,
                          timeout: float = 60) -> str:
        """The id of the pending callback named `name` (or the latest), once the invocation
        that created it has ended."""
        return self._runner.wait_for_callback(execution_arn, name, float(timeout))

    def send_callback_success(self, callback_id: str, result: bytes | str | None = None) -> None:
        if isinstance(result, bytes):
            result = result.decode("utf-8")
        self._runner.send_callback_success(callback_id, result)

    def send_callback_failure(self, callback_id: str, error: ErrorObject | None = None) -> None:
        payload = None if error is None else _error_json(error)
        self._runner.send_callback_failure(callback_id, payload)

    def send_callback_heartbeat(self, callback_id: str) -> None:
        self._runner.send_callback_heartbeat(callback_id)


__all__ = [
    "CallbackOperation", "ChaosResult", "ContextOperation", "CrashPoint", "Divergence",
    "DuraboxError", "DurableFunctionTestResult", "DurableFunctionTestRunner",
    "DurableFunctionsTestError", "ErrorObject", "ExecutionOperation", "ExecutionStatus",
    "Invocation", "InvocationStatus", "InvokeOperation", "Operation", "OperationStatus",
    "OperationType", "ReplayResult", "StepOperation", "WaitOperation", "component_of",
]
