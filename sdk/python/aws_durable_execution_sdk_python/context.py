"""DurableContext: the operations of `aws_durable_execution_sdk_python.context`, each a
thin wrapper over one or two WIT calls. The host owns ids, replay and retries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Generic, Optional, TypeVar

from . import plugin as _plugin
from . import serdes
from ._wit import Err, Ok, call, drop, wit
from .config import (CallbackConfig, ChildConfig, InvokeConfig, ParallelBranch, StepConfig,
                     StepSemantics, WaitForCallbackConfig, seconds)
from .exceptions import (CallbackError, CallbackExternalError, CallbackSubmitterError,
                         CallbackTimeoutError, ChildContextError, InvocationError,
                         InvokeError, SerDesError, StepError, SuspendExecution,
                         ValidationError, WaitForConditionError, error_object, type_name)
from .lambda_service import ErrorObject
from .retries import RetryStrategy
from .types import (LoggerInterface, StepContext, WaitForCallbackContext,
                    WaitForConditionCheckContext)
from .waits import WaitForConditionConfig, WaitStrategy

T = TypeVar("T")

_TIMEOUT_TYPES = ("Callback.Timeout", "Callback.Heartbeat")
PASS_THROUGH_SERDES = serdes.PassThroughSerDes()  # callback results: raw strings by default


@dataclass
class LoggerConfig:
    """`mode_aware` True (the default): code re-run while replaying does not log again.
    False: it logs on every invocation, so replays stay observable."""

    mode_aware: bool = True


# One component instance serves one invocation at a time; the handler export resets it.
_logger_config = LoggerConfig()


def _reset_logger_config():
    global _logger_config
    _logger_config = LoggerConfig()


class Logger:
    """Log lines attributed to a context, captured by the host per invocation. Lines
    logged by code that already ran in an earlier invocation are dropped while it replays,
    unless `DurableContext.configure_logger(LoggerConfig(mode_aware=False))` turned that
    off. After `DurableContext.set_logger(custom)` lines go to `custom` instead (dropped
    while the context `is_replaying()`, unless mode awareness is off)."""

    def __init__(self, raw, custom=None, is_replaying=None):
        self._raw, self._custom, self._is_replaying = raw, custom, is_replaying

    def get_logger(self):
        """The logger set with `set_logger`, or this one."""
        return self._custom if self._custom is not None else self

    def _log(self, level, method, msg, args, kwargs):
        if self._custom is not None:
            if _logger_config.mode_aware and self._is_replaying is not None \
                    and self._is_replaying():
                return
            getattr(self._custom, method)(msg, *args, **kwargs)
            return
        message = str(msg) % args if args else str(msg)
        if _logger_config.mode_aware:
            self._raw.log(level, message)
        else:
            self._raw.log_always(level, message)

    def debug(self, msg, *args, **kwargs):
        self._log(wit.LogLevel.DEBUG, "debug", msg, args, kwargs)

    def info(self, msg, *args, **kwargs):
        self._log(wit.LogLevel.INFO, "info", msg, args, kwargs)

    def warning(self, msg, *args, **kwargs):
        self._log(wit.LogLevel.WARN, "warning", msg, args, kwargs)

    warn = warning

    def error(self, msg, *args, **kwargs):
        self._log(wit.LogLevel.ERROR, "error", msg, args, kwargs)

    def exception(self, msg, *args, **kwargs):
        self._log(wit.LogLevel.ERROR, "exception", msg, args, kwargs)


# ---- replay status (`DurableContext.is_replaying`) ----------------------------------
# A context replays while it has issued fewer operations than the history it was
# given holds under it (AWS: "the next operation has a checkpoint"). The counts come
# from the invocation envelope, read on the first question of an invocation.
_children_counts = None


def _reset_invocation():
    global _children_counts
    _children_counts = None
    _reset_logger_config()


def _counts(raw) -> dict:
    """Operations recorded under each parent id (None: the top level)."""
    global _children_counts
    if _children_counts is None:
        import json

        counts: dict = {}
        try:
            operations = json.loads(wit.invocation_envelope())["InitialExecutionState"][
                "Operations"] or []
        except (ValueError, KeyError, TypeError):
            operations = []
        roots = {op.get("Id") for op in operations if op.get("Type") == "EXECUTION"}
        for op in operations:
            if op.get("Type") == "EXECUTION":
                continue
            parent = op.get("ParentId")
            parent = None if parent in roots else parent
            counts[parent] = counts.get(parent, 0) + 1
        _children_counts = counts
    return _children_counts


class Callback(Generic[T]):
    """A created callback: hand `callback_id` to an external system, then `result()`."""

    def __init__(self, raw, operation_id: str, callback_id: str, serdes=None):
        self._raw, self.operation_id, self.callback_id = raw, operation_id, callback_id
        self.serdes = serdes

    def result(self) -> Any:
        """What the external system sent: the raw string (None if empty), or what
        `CallbackConfig.serdes` reads from it; suspends until the callback completes.
        Raises CallbackExternalError / CallbackTimeoutError (both CallbackError)."""
        outcome = call(self._raw.callback_result, self.operation_id)
        if isinstance(outcome, wit.CallbackOutcome_Succeeded):
            return serdes.deserialize(self.serdes or PASS_THROUGH_SERDES, outcome.value,
                                      self.operation_id, self._raw.execution_arn())
        if isinstance(outcome, wit.CallbackOutcome_TimedOut):
            raise CallbackTimeoutError.from_error_object(outcome.value)
        raise CallbackExternalError.from_error_object(outcome.value)


def _name_of(func, name):
    return name if name is not None else getattr(func, "_original_name", None)


def _outcome(outcome, error_cls, ours=None, codec=None, op_id=None, arn=""):
    """The value of a finished operation, read by `codec` (ExtendedTypeSerDes when None)
    from our own payload if we wrote one (the host may hold a summary), or its typed
    error."""
    if isinstance(outcome, wit.Outcome_Failed):
        ErrorObject.from_wit(outcome.value).raise_as_operation_error(error_cls)
    return serdes.deserialize(codec, ours if ours is not None else outcome.value, op_id, arn)


def _step_config(config: StepConfig):
    """The WIT step config plus the guest-side retry function, if any."""
    strategy = config.retry_strategy
    retry, fn = None, None
    if isinstance(strategy, RetryStrategy):
        retry = strategy.to_wit()
    elif strategy is not None:
        fn = strategy
    semantics = (wit.StepSemantics.AT_MOST_ONCE_PER_RETRY
                 if config.step_semantics == StepSemantics.AT_MOST_ONCE_PER_RETRY
                 else wit.StepSemantics.AT_LEAST_ONCE_PER_RETRY)
    return wit.StepConfig(retry=retry, semantics=semantics, sub_type=config.sub_type), fn


class DurableContext:
    """Issue operations in the same order on every invocation: the host derives each
    operation's id from its position and replays recorded results."""

    def __init__(self, raw, is_virtual: bool = False, custom_logger=None):
        self._raw = raw
        self._arn = None
        self._is_virtual = is_virtual
        self._issued = 0  # operations this context has started in this invocation
        self._custom_logger = custom_logger
        self.logger = Logger(raw, custom_logger, self.is_replaying)

    def _child_context(self, raw, is_virtual=False) -> "DurableContext":
        return type(self)(raw, is_virtual, self._custom_logger)

    def configure_logger(self, config: LoggerConfig) -> None:
        """Sets how every context's logger behaves for the rest of this invocation."""
        global _logger_config
        _logger_config = config

    def set_logger(self, new_logger: LoggerInterface) -> None:
        """Sends this context's log lines (and those of contexts it creates from now on)
        to `new_logger` (e.g. a `logging.Logger`), dropped while replaying unless
        `LoggerConfig(mode_aware=False)` is configured."""
        self._custom_logger = new_logger
        self.logger = Logger(self._raw, new_logger, self.is_replaying)

    def is_replaying(self) -> bool:
        """True while this context re-issues operations recorded by earlier invocations;
        False from the first operation without a record on (and in a first invocation).
        FLAT map / parallel branches report False."""
        if self._is_virtual:
            return False
        return self._issued < _counts(self._raw).get(self._raw.id(), 0)

    @property
    def is_virtual(self) -> bool:
        """True for the branch contexts of a FLAT map / parallel (no CONTEXT operation)."""
        return self._is_virtual

    @property
    def execution_arn(self) -> str:
        if self._arn is None:  # asked for every serdes context: one host call per context
            self._arn = self._raw.execution_arn()
        return self._arn

    @property
    def operation_id(self) -> Optional[str]:
        return self._raw.id()

    # ---- step -------------------------------------------------------------------

    def step(self, func: Callable[[StepContext], Any], name: Optional[str] = None,
             config: Optional[StepConfig] = None) -> Any:
        config = config or StepConfig()
        self._issued += 1
        wit_config, retry_fn = _step_config(config)
        codec, arn = config.serdes, self.execution_arn
        name = _name_of(func, name)
        start = call(self._raw.step_begin, name, wit_config)
        if isinstance(start, wit.StepStart_Done):
            return _outcome(start.value, StepError, codec=codec, arn=arn)
        op_id, attempt = start.value.id, start.value.attempt
        decision, payload = None, None
        hooks = None
        if _plugin.active():
            hooks = _plugin.StepHooks(op_id, name, config.sub_type, self._raw.id(), attempt)
        try:
            step_context = StepContext(self.logger, attempt)
            value = func(step_context) if hooks is None else hooks.run(func, step_context)
            payload = serdes.serialize(codec, value, op_id, arn)
            body = Ok(payload)
        except SerDesError as e:
            # An unserializable value fails the same way on every attempt.
            body, decision = Err(error_object(e)), wit.RetryDecision(False, 0)
        except InvocationError as e:
            if e.is_retryable():  # the invocation is retried; the attempt runs again
                raise
            body = Err(error_object(e))
        except Exception as e:  # noqa: BLE001  (user code: every error is the step's)
            body = Err(error_object(e))
            if retry_fn is not None:
                d = retry_fn(e, attempt)
                decision = wit.RetryDecision(bool(d.should_retry), max(0, seconds(d.delay)))
        outcome = call(self._raw.step_end, op_id, body, decision)
        if hooks is not None:  # terminal: a scheduled retry raised SuspendExecution above
            if isinstance(outcome, wit.Outcome_Failed):
                hooks.ended(False, None, ErrorObject.from_wit(outcome.value))
            else:
                hooks.ended(True, payload if payload is not None else outcome.value, None)
        return _outcome(outcome, StepError, payload, codec, op_id, arn)

    # ---- wait -------------------------------------------------------------------

    def wait(self, duration, name: Optional[str] = None) -> None:
        self._issued += 1
        call(self._raw.wait, name, max(0, seconds(duration)))

    # ---- child contexts ---------------------------------------------------------

    def run_in_child_context(self, func: Callable[["DurableContext"], Any],
                             name: Optional[str] = None,
                             config: Optional[ChildConfig] = None) -> Any:
        config = config or ChildConfig()
        if config.is_virtual:
            raise ValidationError("ChildConfig.is_virtual is not supported by durabox (only "
                                  "FLAT map / parallel branches are virtual)")
        return self._child(func, _name_of(func, name), config.sub_type, config.serdes)

    def _child(self, func, name, sub_type, codec=None):
        self._issued += 1
        arn = self.execution_arn
        start = call(self._raw.child_begin, name, sub_type)
        if isinstance(start, wit.ChildStart_Done):
            return _outcome(start.value, ChildContextError, codec=codec, arn=arn)
        raw, payload = start.value, None
        op_id = raw.id()
        try:
            payload = serdes.serialize(codec, func(self._child_context(raw)), op_id, arn)
            body = Ok(payload)
        except SuspendExecution:
            drop(raw)  # nothing to checkpoint: the context stays open for the replay
            raise
        except InvocationError as e:
            if e.is_retryable():  # the invocation is retried: nothing is recorded
                drop(raw)
                raise
            body = Err(error_object(e))
        except Exception as e:  # noqa: BLE001
            body = Err(error_object(e))
        return _outcome(call(wit.child_end, raw, body), ChildContextError, payload, codec, op_id,
                        arn)

    # ---- callbacks --------------------------------------------------------------

    def create_callback(self, name: Optional[str] = None,
                        config: Optional[CallbackConfig] = None) -> Callback:
        config = config or CallbackConfig()
        wit_config = wit.CallbackConfig(
            timeout_seconds=max(0, seconds(config.timeout)),
            heartbeat_timeout_seconds=max(0, seconds(config.heartbeat_timeout)),
            sub_type=config.sub_type)
        self._issued += 1
        handle = call(self._raw.create_callback, name, wit_config)
        return Callback(self._raw, handle.id, handle.callback_id, config.serdes)

    def wait_for_callback(self, submitter: Callable[[str, WaitForCallbackContext], Any],
                          name: Optional[str] = None,
                          config: Optional[WaitForCallbackConfig] = None) -> Any:
        """A child context (subtype WaitForCallback) that creates a callback, runs
        `submitter(callback_id, ctx)` as a step and returns the callback's result. As in
        the AWS SDK, `config.serdes` reads the callback's result and the context records
        the value with the default serdes (ExtendedTypeSerDes)."""
        config = config or WaitForCallbackConfig()
        name = _name_of(submitter, name)
        inner = (lambda what: f"{name} {what}") if name is not None else (lambda what: what)

        def body(ctx: DurableContext):
            callback = ctx.create_callback(inner("create callback id"), config)
            # AWS records the submitter's result with `config.serdes`; a custom serdes may
            # not write None (which submitters return) as a string: the default's "null".
            step_config = StepConfig(retry_strategy=getattr(config, "retry_strategy", None))
            ctx.step(lambda step: submitter(callback.callback_id,
                                            WaitForCallbackContext(step.logger, step.attempt)),
                     inner("submitter"), step_config)
            return callback.result()

        try:
            return self._child(body, name, "WaitForCallback")
        except ChildContextError as e:
            # The context records the inner error; classify it the same way on replay.
            if e.error_type in _TIMEOUT_TYPES or e.error_type == type_name(CallbackTimeoutError):
                cls = CallbackTimeoutError
            elif e.error_type == type_name(StepError):
                cls = CallbackSubmitterError
            elif e.error_type == type_name(CallbackExternalError):
                cls = CallbackExternalError
            else:
                cls = CallbackError
            raise cls(e.message, e.error_type, e.data, e.stack_trace) from None

    # ---- wait for condition -----------------------------------------------------

    def wait_for_condition(self, check: Callable[[Any, StepContext], Any],
                           config: WaitForConditionConfig, name: Optional[str] = None) -> Any:
        """Runs `check(state, ctx)` until the strategy stops; returns the final state.
        States are checkpointed through `config.serdes` (ExtendedTypeSerDes when None)."""
        codec, arn = config.serdes, self.execution_arn
        self._issued += 1
        start = call(self._raw.condition_begin, _name_of(check, name),
                     serdes.serialize(codec, config.initial_state, None, arn))
        if isinstance(start, wit.ConditionStart_Done):
            return _outcome(start.value, WaitForConditionError, codec=codec, arn=arn)
        op_id, attempt = start.value.id, start.value.attempt
        decision = wit.ConditionDecision_Stop()
        try:
            current = serdes.deserialize(codec, start.value.state, op_id, arn)
            new_state = check(current, WaitForConditionCheckContext(self.logger, attempt))
            payload = serdes.serialize(codec, new_state, op_id, arn)
            # decide on the state as it will be replayed
            checked, state = Ok(payload), serdes.deserialize(codec, payload, op_id, arn)
            strategy = config.wait_strategy
            if isinstance(strategy, WaitStrategy):
                if strategy.config.should_continue_polling(state):
                    decision = wit.ConditionDecision_ContinueWith(strategy.to_wit())
            else:
                d = strategy(state, attempt)
                if d.should_continue:
                    decision = wit.ConditionDecision_ContinueAfter(max(1, seconds(d.delay)))
        except InvocationError as e:
            if e.is_retryable():  # the invocation is retried; the check runs again
                raise
            checked = Err(error_object(e))
        except Exception as e:  # noqa: BLE001
            checked = Err(error_object(e))
        outcome = call(self._raw.condition_end, op_id, checked, decision)
        return _outcome(outcome, WaitForConditionError, codec=codec, op_id=op_id, arn=arn)

    # ---- chained invoke ---------------------------------------------------------

    def invoke(self, function_name: str, payload: Any, name: Optional[str] = None,
               config: Optional[InvokeConfig] = None) -> Any:
        """Invokes another function with `json.dumps(payload)` (or what
        `config.serdes_payload` writes); returns its result decoded as JSON (or by
        `config.serdes_result`), as the AWS SDK (whose invoke defaults to JsonSerDes)."""
        config = config or InvokeConfig()
        arn = self.execution_arn
        data = serdes.serialize(config.serdes_payload or serdes.DEFAULT_JSON_SERDES, payload,
                                None, arn)
        self._issued += 1
        outcome = call(self._raw.invoke, name, function_name, data, config.tenant_id)
        return _outcome(outcome, InvokeError,
                        codec=config.serdes_result or serdes.DEFAULT_JSON_SERDES, arn=arn)

    # ---- map and parallel -------------------------------------------------------

    def map(self, inputs, func: Callable[["DurableContext", Any, int, list], Any],
            name: Optional[str] = None, config=None):
        """Runs `func(ctx, item, index, items)` per item, each in its own branch."""
        from ._batch import run_map

        return run_map(self, list(inputs), func, _name_of(func, name), config)

    def parallel(self, functions, name: Optional[str] = None, config=None):
        """Runs each `func(ctx)` (or ParallelBranch) in its own branch."""
        from ._batch import run_parallel

        return run_parallel(self, list(functions), name, config)


def durable_step(func):
    """`@durable_step def f(step_context, *args)`; `context.step(f(*args))` names it "f"."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        def bound(step_context):
            return func(step_context, *args, **kwargs)

        bound._original_name = func.__name__
        return bound

    return wrapper


def durable_with_child_context(func):
    """`@durable_with_child_context def f(ctx, *args)`; `run_in_child_context(f(*args))`."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        def bound(ctx):
            return func(ctx, *args, **kwargs)

        bound._original_name = func.__name__
        return bound

    return wrapper


def durable_parallel_branch(name: Optional[str] = None):
    """`@durable_parallel_branch(name="x") def f(ctx, *args)`: `f(*args)` is a
    `ParallelBranch` named "x" for `context.parallel`."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            def bound(ctx):
                return func(ctx, *args, **kwargs)

            return ParallelBranch(func=bound, name=name)

        return wrapper

    return decorator


def durable_wait_for_callback(func):
    """`@durable_wait_for_callback def submit(callback_id, ctx, *args)`:
    `context.wait_for_callback(submit(*args))` names the operation "submit"."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        def bound(callback_id, context):
            return func(callback_id, context, *args, **kwargs)

        bound._original_name = func.__name__
        return bound

    return wrapper
