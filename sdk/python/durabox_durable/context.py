"""DurableContext: the operations of `aws_durable_execution_sdk_python.context`, each a
thin wrapper over one or two WIT calls. The host owns ids, replay and retries."""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Optional

from . import serdes
from ._wit import Err, Ok, call, drop, wit
from .config import (CallbackConfig, ChildConfig, InvokeConfig, StepConfig, StepSemantics,
                     WaitForCallbackConfig, seconds)
from .exceptions import (CallbackError, CallbackSubmitterError, CallbackTimeoutError,
                         ChildContextError, InvokeError, SerDesError, StepError, SuspendExecution,
                         WaitForConditionError, error_object, type_name)
from .retries import RetryStrategy
from .waits import WaitForConditionConfig, WaitStrategy

_TIMEOUT_TYPES = ("Callback.Timeout", "Callback.Heartbeat")


class Logger:
    """Log lines attributed to a context, captured by the host per invocation."""

    def __init__(self, raw):
        self._raw = raw

    def _log(self, level, msg, args):
        self._raw.log(level, str(msg) % args if args else str(msg))

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

    def __init__(self, raw, operation_id: str, callback_id: str):
        self._raw, self.operation_id, self.callback_id = raw, operation_id, callback_id

    def result(self) -> Optional[str]:
        """The raw string the external system sent (None if empty); suspends until the
        callback completes. Raises CallbackError / CallbackTimeoutError."""
        outcome = call(self._raw.callback_result, self.operation_id)
        if isinstance(outcome, wit.CallbackOutcome_Succeeded):
            return outcome.value
        if isinstance(outcome, wit.CallbackOutcome_TimedOut):
            raise CallbackTimeoutError.from_error_object(outcome.value)
        raise CallbackError.from_error_object(outcome.value)


def _name_of(func, name):
    return name if name is not None else getattr(func, "_original_name", None)


def _outcome(outcome, error_cls, ours=None):
    """The value of a finished operation (our own payload preferred: the host may hold a
    summary), or its typed error."""
    if isinstance(outcome, wit.Outcome_Failed):
        raise error_cls.from_error_object(outcome.value)
    return serdes.loads(ours if ours is not None else outcome.value)


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
        self.logger = Logger(raw)

    @property
    def execution_arn(self) -> str:
        return self._raw.execution_arn()

    @property
    def operation_id(self) -> Optional[str]:
        return self._raw.id()

    # ---- step -------------------------------------------------------------------

    def step(self, func: Callable[[StepContext], Any], name: Optional[str] = None,
             config: Optional[StepConfig] = None) -> Any:
        wit_config, retry_fn = _step_config(config or StepConfig())
        start = call(self._raw.step_begin, _name_of(func, name), wit_config)
        if isinstance(start, wit.StepStart_Done):
            return _outcome(start.value, StepError)
        op_id, attempt = start.value.id, start.value.attempt
        decision, payload = None, None
        try:
            payload = serdes.dumps(func(StepContext(self.logger, attempt)))
            body = Ok(payload)
        except SerDesError as e:
            # An unserializable value fails the same way on every attempt.
            body, decision = Err(error_object(e)), wit.RetryDecision(False, 0)
        except Exception as e:  # noqa: BLE001  (user code: every error is the step's)
            body = Err(error_object(e))
            if retry_fn is not None:
                d = retry_fn(e, attempt)
                decision = wit.RetryDecision(bool(d.should_retry), max(0, seconds(d.delay)))
        return _outcome(call(self._raw.step_end, op_id, body, decision), StepError, payload)

    # ---- wait -------------------------------------------------------------------

    def wait(self, duration, name: Optional[str] = None) -> None:
        call(self._raw.wait, name, max(0, seconds(duration)))

    # ---- child contexts ---------------------------------------------------------

    def run_in_child_context(self, func: Callable[["DurableContext"], Any],
                             name: Optional[str] = None,
                             config: Optional[ChildConfig] = None) -> Any:
        sub_type = config.sub_type if config else None
        return self._child(func, _name_of(func, name), sub_type)

    def _child(self, func, name, sub_type):
        start = call(self._raw.child_begin, name, sub_type)
        if isinstance(start, wit.ChildStart_Done):
            return _outcome(start.value, ChildContextError)
        raw, payload = start.value, None
        try:
            payload = serdes.dumps(func(DurableContext(raw)))
            body = Ok(payload)
        except SuspendExecution:
            drop(raw)  # nothing to checkpoint: the context stays open for the replay
            raise
        except Exception as e:  # noqa: BLE001
            body = Err(error_object(e))
        return _outcome(call(wit.child_end, raw, body), ChildContextError, payload)

    # ---- callbacks --------------------------------------------------------------

    def create_callback(self, name: Optional[str] = None,
                        config: Optional[CallbackConfig] = None) -> Callback:
        config = config or CallbackConfig()
        wit_config = wit.CallbackConfig(
            timeout_seconds=max(0, seconds(config.timeout)),
            heartbeat_timeout_seconds=max(0, seconds(config.heartbeat_timeout)),
            sub_type=config.sub_type)
        handle = call(self._raw.create_callback, name, wit_config)
        return Callback(self._raw, handle.id, handle.callback_id)

    def wait_for_callback(self, submitter: Callable[[str, WaitForCallbackContext], Any],
                          name: Optional[str] = None,
                          config: Optional[WaitForCallbackConfig] = None) -> Any:
        """A child context (subtype WaitForCallback) that creates a callback, runs
        `submitter(callback_id, ctx)` as a step and returns the callback's result."""
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
            return self._child(body, name, "WaitForCallback")
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
        """Runs `check(state, ctx)` until the strategy stops; returns the final state."""
        start = call(self._raw.condition_begin, _name_of(check, name),
                     serdes.dumps(config.initial_state))
        if isinstance(start, wit.ConditionStart_Done):
            return _outcome(start.value, WaitForConditionError)
        op_id, attempt = start.value.id, start.value.attempt
        decision = wit.ConditionDecision_Stop()
        try:
            new_state = check(serdes.loads(start.value.state), StepContext(self.logger, attempt))
            payload = serdes.dumps(new_state)
            checked, state = Ok(payload), serdes.loads(payload)  # as it will be replayed
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
        return _outcome(outcome, WaitForConditionError)

    # ---- chained invoke ---------------------------------------------------------

    def invoke(self, function_name: str, payload: Any, name: Optional[str] = None,
               config: Optional[InvokeConfig] = None) -> Any:
        """Invokes another function with `json.dumps(payload)`; returns its decoded result."""
        import json

        tenant = config.tenant_id if config else None
        outcome = call(self._raw.invoke, name, function_name, json.dumps(payload), tenant)
        return _outcome(outcome, InvokeError)

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
