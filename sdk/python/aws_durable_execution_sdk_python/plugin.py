"""Instrumentation plugins, named after `aws_durable_execution_sdk_python.plugin`:
lifecycle hooks that observe a handler without changing it.

Register them with `@durable_execution(plugins=[...])`. Each entry is a
`DurableInstrumentationPlugin` instance (used for every invocation) or a factory, an object
with `create_plugin(info: InvocationStartInfo)` that returns this invocation's plugin (or
None to sit it out). Hooks run synchronously in the guest, in registration order. An
exception a hook (or `create_plugin`) raises is ignored, so a plugin never changes the
execution's result or history; `SuspendExecution` and the other `BaseException`s are not
exceptions of that kind and propagate as they would from handler code.

Operation and user-function hooks fire for steps only (`OperationType.STEP`, which
includes the submitter step of `wait_for_callback`); waits, child contexts, callbacks,
conditions, invokes, map and parallel do not call them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, List, Optional, Protocol

from .exceptions import error_object
# The hooks report STARTED, SUCCEEDED and FAILED of the service's own statuses (the same
# class as AWS's plugin module exposes).
from .lambda_service import ErrorObject, OperationStatus


class InvocationStatus(Enum):
    """How an invocation ended; PENDING = suspended, to be re-invoked."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"


class OperationType(Enum):
    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


class UserFunctionOutcome(Enum):
    """How one attempt's function ended; INCOMPLETE = it raised SuspendExecution."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    INCOMPLETE = "INCOMPLETE"


@dataclass(frozen=True)
class InvocationInfo:
    execution_arn: str
    # No operation but the execution itself was recorded before this invocation.
    is_first_invocation: bool
    # The decoded event (`{}` for a blank input); None if it is not valid JSON.
    execution_input: Any = field(default=None, kw_only=True, repr=False, compare=False)


@dataclass(frozen=True)
class InvocationStartInfo(InvocationInfo):
    pass


@dataclass(frozen=True)
class InvocationEndInfo(InvocationInfo):
    status: InvocationStatus = field(kw_only=True)
    error: Optional[ErrorObject] = field(default=None, kw_only=True)
    # The JSON the handler returned (SUCCEEDED only).
    execution_result: Optional[str] = field(default=None, kw_only=True, repr=False,
                                            compare=False)


@dataclass(frozen=True)
class OperationInfo:
    operation_id: str
    operation_type: OperationType
    name: Optional[str]
    status: OperationStatus
    sub_type: Optional[str] = None
    # The enclosing child context's operation id; None at the top level.
    parent_id: Optional[str] = None
    # The step attempt (1-based) this hook belongs to.
    attempt: Optional[int] = None
    # Always False: replayed operations fire no hooks.
    is_replayed: bool = False
    # The checkpointed result payload (terminal SUCCEEDED) or error (FAILED).
    result: Optional[str] = field(default=None, repr=False, compare=False)
    error: Optional[ErrorObject] = None


@dataclass(frozen=True)
class OperationStartInfo(OperationInfo):
    pass


@dataclass(frozen=True)
class OperationEndInfo(OperationInfo):
    pass


@dataclass(frozen=True)
class UserFunctionStartInfo(OperationInfo):
    pass


@dataclass(frozen=True)
class UserFunctionEndInfo(OperationInfo):
    outcome: UserFunctionOutcome = field(kw_only=True)


class DurableInstrumentationPlugin:
    """Base class of plugins: override the hooks you need; each defaults to nothing.

    - `on_invocation_start(InvocationStartInfo)`: before handler code runs.
    - `on_invocation_end(InvocationEndInfo)`: once the invocation's outcome is known.
    - `on_operation_start(OperationStartInfo)`: a step is about to run an attempt for the
      first time in this invocation (a new step, or a retry of one started earlier).
    - `on_operation_end(OperationEndInfo)`: a step this invocation ran reached SUCCEEDED
      or FAILED (a scheduled retry is not terminal: the invocation suspends instead).
    - `on_user_function_start(UserFunctionStartInfo)` / `on_user_function_end(
      UserFunctionEndInfo)`: around each attempt's step function; `outcome` is how the
      function itself ended (serializing its value comes after).

    A step replayed from its checkpoint fires nothing.
    """

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        pass

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        pass

    def on_operation_start(self, info: OperationStartInfo) -> None:
        pass

    def on_operation_end(self, info: OperationEndInfo) -> None:
        pass

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        pass

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        pass


class DurableInstrumentationPluginFactory(Protocol):
    """Builds the plugin of one invocation (return None to skip it)."""

    def create_plugin(self, info: InvocationStartInfo, /) -> Optional[DurableInstrumentationPlugin]:
        ...


def check_registrations(plugins) -> list:
    """The `plugins=` entries, validated when the handler is decorated."""
    entries = list(plugins or [])
    for entry in entries:
        if isinstance(entry, type) and issubclass(entry, DurableInstrumentationPlugin) \
                and not callable(getattr(entry, "create_plugin", None)):
            raise TypeError(f"plugins=: {entry.__qualname__} is a class; pass an instance "
                            "(or a factory with create_plugin)")
        if not isinstance(entry, DurableInstrumentationPlugin) \
                and not callable(getattr(entry, "create_plugin", None)):
            raise TypeError(f"plugins=: {entry!r} is neither a DurableInstrumentationPlugin "
                            "nor a factory with create_plugin(info)")
    return entries


# This invocation's plugins and start info (one component instance runs one invocation at
# a time).
_active: List[DurableInstrumentationPlugin] = []
_start: Optional[InvocationStartInfo] = None
# Steps whose on_operation_start fired in this invocation.
_started: set = set()


def active() -> bool:
    return bool(_active)


def _emit(hook: str, info) -> None:
    """Calls `hook(info)` on every plugin, ignoring what they raise (Exception only:
    SuspendExecution, a BaseException, must reach the handler export)."""
    for plugin in _active:
        try:
            getattr(plugin, hook)(info)
        except Exception:  # noqa: BLE001, S110  (a plugin never changes the outcome)
            pass


def _is_first_invocation(envelope: str) -> bool:
    try:
        operations = json.loads(envelope)["InitialExecutionState"]["Operations"]
    except (ValueError, KeyError, TypeError):
        return True
    return all(op.get("Type") == "EXECUTION" for op in operations or [])


def _decoded(payload: str):
    try:
        return json.loads(payload) if payload.strip() else {}
    except ValueError:
        return None


def start_invocation(entries, execution_arn: str, envelope: Callable[[], str],
                     payload: str) -> None:
    """Installs this invocation's plugins (resolving factories) and fires
    `on_invocation_start`."""
    global _active, _start
    _active, _start = [], None
    _started.clear()
    info = InvocationStartInfo(execution_arn, _is_first_invocation(envelope()),
                               execution_input=_decoded(payload))
    plugins = []
    for entry in entries:
        if isinstance(entry, DurableInstrumentationPlugin):
            plugins.append(entry)
            continue
        try:
            plugin = entry.create_plugin(info)
        except Exception:  # noqa: BLE001, S112  (a failed factory skips its plugin)
            continue
        if plugin is not None:
            plugins.append(plugin)
    _active, _start = plugins, info
    _emit("on_invocation_start", info)


def end_invocation(status: InvocationStatus, error: Optional[ErrorObject] = None,
                   result: Optional[str] = None) -> None:
    """Fires `on_invocation_end` (if the invocation started plugins), then uninstalls
    them."""
    global _active, _start
    start, plugins = _start, _active
    if start is None or not plugins:
        _active, _start = [], None
        return
    try:
        _emit("on_invocation_end", InvocationEndInfo(
            start.execution_arn, start.is_first_invocation,
            execution_input=start.execution_input, status=status, error=error,
            execution_result=result))
    finally:
        _active, _start = [], None


class StepHooks:
    """One running step attempt as plugins see it (only made when plugins are active)."""

    def __init__(self, operation_id: str, name: Optional[str], sub_type: Optional[str],
                 parent_id: Optional[str], attempt: int):
        self._fields = dict(operation_id=operation_id, operation_type=OperationType.STEP,
                            name=name, sub_type=sub_type or "Step", parent_id=parent_id,
                            attempt=attempt)
        # Once per invocation: a new step, or one not finished earlier (a retry), as AWS.
        if operation_id not in _started:
            _started.add(operation_id)
            _emit("on_operation_start",
                  OperationStartInfo(status=OperationStatus.STARTED, **self._fields))

    def run(self, func, step_context):
        """Runs the attempt's function between the user-function hooks."""
        _emit("on_user_function_start",
              UserFunctionStartInfo(status=OperationStatus.STARTED, **self._fields))
        try:
            value = func(step_context)
        except Exception as e:
            self._function_ended(UserFunctionOutcome.FAILED, _error_of(e))
            raise
        except BaseException:
            self._function_ended(UserFunctionOutcome.INCOMPLETE, None)
            raise
        self._function_ended(UserFunctionOutcome.SUCCEEDED, None)
        return value

    def _function_ended(self, outcome, error):
        _emit("on_user_function_end",
              UserFunctionEndInfo(status=OperationStatus.STARTED, error=error, outcome=outcome,
                                  **self._fields))

    def ended(self, succeeded: bool, result: Optional[str], error: Optional[ErrorObject]):
        """The step reached its terminal status."""
        status = OperationStatus.SUCCEEDED if succeeded else OperationStatus.FAILED
        _emit("on_operation_end",
              OperationEndInfo(status=status, result=result, error=error, **self._fields))


def _error_of(e: BaseException) -> ErrorObject:
    return ErrorObject.from_wit(error_object(e))
