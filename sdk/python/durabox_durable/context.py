"""DurableContext: the operations of `aws_durable_execution_sdk_python.context`, each a
thin wrapper over one or two WIT calls. The host owns ids, replay and retries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Optional

from . import plugin as _plugin
from . import serdes
from ._wit import Err, Ok, call, drop, wit
from .config import (CallbackConfig, ChildConfig, InvokeConfig, StepConfig, StepSemantics,
                     WaitForCallbackConfig, seconds)
from .exceptions import (CallbackError, CallbackSubmitterError, CallbackTimeoutError,
                         ChildContextError, ErrorObject, InvokeError, SerDesError, StepError,
                         SuspendExecution, WaitForConditionError, error_object, type_name)
from .retries import RetryStrategy
from .waits import WaitForConditionConfig, WaitStrategy

_TIMEOUT_TYPES = ("Callback.Timeout", "Callback.Heartbeat")
_PASS_THROUGH = serdes.PassThroughSerDes()  # callback results are raw strings by default


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
    off."""

    def __init__(self, raw):
        self._raw = raw

    def _log(self, level, msg, args):
        message = str(msg) % args if args else str(msg)
        if _logger_config.mode_aware:
            self._raw.log(level, message)
        else:
            self._raw.log_always(level, message)

    def debug(self, msg, *args, **_):
        self._log(wit.LogLevel.DEBUG, msg, args)

    def info(self, msg, *args, **_):
        self._log(wit.LogLevel.INFO, msg, args)

    def warning(self, msg, *args, **_):
        self._log(wit.LogLevel.WARN, msg, args)

    warn = warning

    def error(self, msg, *args, **_):
        self._log(wit.LogLevel.ERROR, msg, args)

    exception = error


class StepContext:
    """What a step body (or a condition check) receives."""

    def __init__(self, logger: Logger, attempt: int):
        self.logger, self.attempt = logger, attempt


WaitForConditionCheckContext = StepContext


class WaitForCallbackContext:
    """What a wait_for_callback submitter receives besides the callback id."""

    def __init__(self, logger: Logger, attempt: int = 1):
        self.logger, self.attempt = logger, attempt


class Callback:
    """A created callback: hand `callback_id` to an external system, then `result()`."""

    def __init__(self, raw, operation_id: str, callback_id: str, serdes=None):
        self._raw, self.operation_id, self.callback_id = raw, operation_id, callback_id
        self._serdes = serdes

    def result(self) -> Any:
        """What the external system sent: the raw string (None if empty), or what
        `CallbackConfig.serdes` reads from it; suspends until the callback completes.
        Raises CallbackError / CallbackTimeoutError."""
        outcome = call(self._raw.callback_result, self.operation_id)
        if isinstance(outcome, wit.CallbackOutcome_Succeeded):
            return serdes.deserialize(self._serdes or _PASS_THROUGH, outcome.value,
                                      self.operation_id, self._raw.execution_arn())
        if isinstance(outcome, wit.CallbackOutcome_TimedOut):
            raise CallbackTimeoutError.from_error_object(outcome.value)
        raise CallbackError.from_error_object(outcome.value)


def _name_of(func, name):
    return name if name is not None else getattr(func, "_original_name", None)


def _outcome(outcome, error_cls, ours=None, codec=None, op_id=None, arn=""):
    """The value of a finished operation, read by `codec` (JSON when None) from our own
    payload if we wrote one (the host may hold a summary), or its typed error."""
    if isinstance(outcome, wit.Outcome_Failed):
        raise error_cls.from_error_object(outcome.value)
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

    def __init__(self, raw):
        self._raw = raw
        self._arn = None
        self.logger = Logger(raw)

    def configure_logger(self, config: LoggerConfig) -> None:
        """Sets how every context's logger behaves for the rest of this invocation."""
        global _logger_config
        _logger_config = config

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
        call(self._raw.wait, name, max(0, seconds(duration)))

    # ---- child contexts ---------------------------------------------------------

    def run_in_child_context(self, func: Callable[["DurableContext"], Any],
                             name: Optional[str] = None,
                             config: Optional[ChildConfig] = None) -> Any:
        config = config or ChildConfig()
        return self._child(func, _name_of(func, name), config.sub_type, config.serdes)

    def _child(self, func, name, sub_type, codec=None):
        arn = self.execution_arn
        start = call(self._raw.child_begin, name, sub_type)
        if isinstance(start, wit.ChildStart_Done):
            return _outcome(start.value, ChildContextError, codec=codec, arn=arn)
        raw, payload = start.value, None
        op_id = raw.id()
        try:
            payload = serdes.serialize(codec, func(DurableContext(raw)), op_id, arn)
            body = Ok(payload)
        except SuspendExecution:
            drop(raw)  # nothing to checkpoint: the context stays open for the replay
            raise
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
        handle = call(self._raw.create_callback, name, wit_config)
        return Callback(self._raw, handle.id, handle.callback_id, config.serdes)

    def wait_for_callback(self, submitter: Callable[[str, WaitForCallbackContext], Any],
                          name: Optional[str] = None,
                          config: Optional[WaitForCallbackConfig] = None) -> Any:
        """A child context (subtype WaitForCallback) that creates a callback, runs
        `submitter(callback_id, ctx)` as a step and returns the callback's result (read
        by `config.serdes`, which also records it in the context)."""
        config = config or WaitForCallbackConfig()
        name = _name_of(submitter, name)
        inner = (lambda what: f"{name} {what}") if name is not None else (lambda what: what)

        def body(ctx: DurableContext):
            callback = ctx.create_callback(inner("create callback id"), config)
            step_config = StepConfig(retry_strategy=getattr(config, "retry_strategy", None))
            ctx.step(lambda step: submitter(callback.callback_id,
                                            WaitForCallbackContext(step.logger, step.attempt)),
                     inner("submitter"), step_config)
            return callback.result()

        try:
            # the context records the callback's value in the callback's own format
            return self._child(body, name, "WaitForCallback", config.serdes)
        except ChildContextError as e:
            # The context records the inner error; classify it the same way on replay.
            if e.error_type in _TIMEOUT_TYPES or e.error_type == type_name(CallbackTimeoutError):
                cls = CallbackTimeoutError
            elif e.error_type == type_name(StepError):
                cls = CallbackSubmitterError
            else:
                cls = CallbackError
            raise cls(e.message, e.error_type, e.data, e.stack_trace) from None

    # ---- wait for condition -----------------------------------------------------

    def wait_for_condition(self, check: Callable[[Any, StepContext], Any],
                           config: WaitForConditionConfig, name: Optional[str] = None) -> Any:
        """Runs `check(state, ctx)` until the strategy stops; returns the final state.
        States are checkpointed through `config.serdes` (compact JSON when None)."""
        codec, arn = config.serdes, self.execution_arn
        start = call(self._raw.condition_begin, _name_of(check, name),
                     serdes.serialize(codec, config.initial_state, None, arn))
        if isinstance(start, wit.ConditionStart_Done):
            return _outcome(start.value, WaitForConditionError, codec=codec, arn=arn)
        op_id, attempt = start.value.id, start.value.attempt
        decision = wit.ConditionDecision_Stop()
        try:
            current = serdes.deserialize(codec, start.value.state, op_id, arn)
            new_state = check(current, StepContext(self.logger, attempt))
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
        except Exception as e:  # noqa: BLE001
            checked = Err(error_object(e))
        outcome = call(self._raw.condition_end, op_id, checked, decision)
        return _outcome(outcome, WaitForConditionError, codec=codec, op_id=op_id, arn=arn)

    # ---- chained invoke ---------------------------------------------------------

    def invoke(self, function_name: str, payload: Any, name: Optional[str] = None,
               config: Optional[InvokeConfig] = None) -> Any:
        """Invokes another function with `json.dumps(payload)` (or what
        `config.serdes_payload` writes); returns its result decoded as JSON (or by
        `config.serdes_result`)."""
        import json

        config = config or InvokeConfig()
        arn = self.execution_arn
        if config.serdes_payload is not None:
            data = serdes.serialize(config.serdes_payload, payload, None, arn)
        else:
            data = json.dumps(payload)
        outcome = call(self._raw.invoke, name, function_name, data, config.tenant_id)
        return _outcome(outcome, InvokeError, codec=config.serdes_result, arn=arn)

    # ---- map and parallel -------------------------------------------------------

    def map(self, inputs, func: Callable[["DurableContext", Any, int, list], Any],
            name: Optional[str] = None, config=None):
        """Runs `func(ctx, item, index, items)` per item, each in its own branch."""
        from .batch import run_map

        return run_map(self, list(inputs), func, _name_of(func, name), config)

    def parallel(self, functions, name: Optional[str] = None, config=None):
        """Runs each `func(ctx)` (or ParallelBranch) in its own branch."""
        from .batch import run_parallel

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
