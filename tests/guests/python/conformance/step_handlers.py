"""Suite `step` (1-x): single steps, results, serdes, replay, retry strategies, semantics."""

import json
import os

from common import NO_RETRY, every_second, secs, text
from durabox_durable import (Duration, JitterStrategy, RetryDecision, RetryPresets,
                             RetryStrategyConfig, SerDes, StepConfig, StepError, StepSemantics,
                             create_retry_strategy, durable_step)


class TemporaryError(Exception):
    pass


class AlwaysFails(Exception):
    pass


class TransientError(Exception):
    pass


class PermanentStepError(Exception):
    pass


def crash():
    """Ends the runtime mid-step, as a killed Lambda sandbox would (WASI proc_exit)."""
    os._exit(1)


@durable_step
def greet_step(step_context, who):
    return f"Hello, {who}!"


def greet(ctx, event):
    """1-1: a step named after its function, greeting the input."""
    return ctx.step(greet_step(text(event)))


def greet_named(ctx, event):
    """1-2: the same with an explicit step name."""
    return ctx.step(lambda _: f"Hello, {text(event)}!", "custom_step_name")


def sequential(ctx, _event):
    """1-3: the second step uses the first step's result."""
    first = ctx.step(lambda _: "first", "step_one")
    return ctx.step(lambda _: f"{first}_second", "step_two")


def complex_object(ctx, event):
    """1-4: a nested object built from `{name, tags}`."""
    def build(_):
        tags = list(event.get("tags") or [])
        return {"user": {"name": event.get("name"), "tags": tags}, "count": len(tags)}

    return ctx.step(build, "build_response")


def null_result(ctx, _event):
    """1-5: a step returning None."""
    return ctx.step(lambda _: None, "do_nothing")


def _upper(value):
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list):
        return [_upper(v) for v in value]
    if isinstance(value, dict):
        return {k: _upper(v) for k, v in value.items()}
    return value


class UppercaseSerDes(SerDes):
    """JSON with every string value upper-cased (the suite's `uppercase_serdes`)."""

    def serialize(self, value, serdes_context):
        return json.dumps(_upper(value))

    def deserialize(self, data, serdes_context):
        return json.loads(data)


def custom_serdes(ctx, event):
    """1-6: the step returns its input; the serdes upper-cases it."""
    return ctx.step(lambda _: event, "return_input", StepConfig(serdes=UppercaseSerDes()))


def logger(ctx, event):
    """1-7: the step logs through its step-context logger."""
    who = text(event)

    def greet_logged(step):
        step.logger.info(f"Greeting step started for: {who}")
        greeting = f"Hello, {who}!"
        step.logger.info(f"Greeting step completed with: {greeting}")
        return greeting

    return ctx.step(greet_logged, "greet")


def step_then_wait(value, wait):
    """1-8, 1-9: a step, then a wait; on replay the step returns its recorded result."""
    def handler(ctx, _event):
        def compute(step):
            step.logger.info("step executed")
            return value

        result = ctx.step(compute, "compute")
        ctx.wait(secs(wait))
        return result

    return handler


def failed_step_replayed(ctx, _event):
    """1-10: a failed step (no retry) is caught; on replay it fails again without running."""
    def failing(step):
        step.logger.info("step executed")
        raise PermanentStepError("step failed on purpose")

    try:
        ctx.step(failing, "failing_step", NO_RETRY)
        caught = None
    except StepError as e:
        caught = e.message
    ctx.wait(secs(1))
    return {"caught": caught}


def retry_then_succeed(ctx, _event):
    """1-11: fails attempt 1, succeeds on attempt 2 (3 attempts, 1 s apart)."""
    def unreliable(step):
        if step.attempt < 2:
            raise TemporaryError("first attempt fails")
        return "Operation succeeded"

    return ctx.step(unreliable, "unreliable", StepConfig(retry_strategy=every_second(3)))


def retry_exhausted(ctx, _event):
    """1-12: always fails; 4 attempts 1 s apart, then the execution fails."""
    def always_fail(step):
        raise AlwaysFails(f"attempt {step.attempt} failed")

    return ctx.step(always_fail, "always_fail", StepConfig(retry_strategy=every_second(4)))


def _fails_before_third(step):
    if step.attempt < 3:
        raise TemporaryError(f"attempt {step.attempt} failed")
    return step.attempt


def default_retry(ctx, _event):
    """1-13: no retry config (the SDK default); fails attempts 1 and 2."""
    return {"attempts": ctx.step(_fails_before_third, "unreliable")}


def custom_backoff(ctx, _event):
    """1-14: fails attempts 1 and 2; 5 attempts, 2 s initial delay, backoff 3, no jitter."""
    strategy = create_retry_strategy(RetryStrategyConfig(
        max_attempts=5, initial_delay=Duration.from_seconds(2), backoff_rate=3.0,
        jitter_strategy=JitterStrategy.NONE))
    return {"attempts": ctx.step(_fails_before_third, "flaky",
                                 StepConfig(retry_strategy=strategy))}


def retry_on_transient(ctx, _event):
    """1-15: throws TransientError once; the strategy retries only that type (1 s)."""
    def strategy(error, attempt):
        if isinstance(error, TransientError) and attempt < 3:
            return RetryDecision.retry(secs(1))
        return RetryDecision.no_retry()

    def transient_once(step):
        if step.attempt < 2:
            raise TransientError("temporary glitch")
        return "recovered from transient error"

    return ctx.step(transient_once, "transient_once", StepConfig(retry_strategy=strategy))


def no_retry_on_transient(ctx, _event):
    """1-16: throws TransientError; the strategy never retries it, the execution fails."""
    def strategy(error, _attempt):
        if isinstance(error, TransientError):
            return RetryDecision.no_retry()
        return RetryDecision.retry(secs(1))

    def transient_fails(_):
        raise TransientError("not retried")

    return ctx.step(transient_fails, "transient_fails", StepConfig(retry_strategy=strategy))


def at_most_once_crash(ctx, event):
    """1-17: an at-most-once step without retry logs its input and crashes the runtime;
    the interrupted attempt fails the step (and the execution) on the next invocation."""
    who = text(event)
    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                        retry_strategy=RetryPresets.none())

    def flaky(step):
        step.logger.info(f"executing step for {who}")
        crash()

    return ctx.step(flaky, "at_most_once_flaky_step", config)


def at_most_once_crash_then_retry(ctx, event):
    """1-18: an at-most-once step with retry crashes on attempt 1, succeeds on attempt 2."""
    who = text(event)
    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                        retry_strategy=every_second(3))

    def flaky(step):
        step.logger.info(f"executing step for {who}, attempt {step.attempt}")
        if step.attempt < 2:
            crash()
        return "succeeded on second attempt"

    return ctx.step(flaky, "at_most_once_retry_step", config)


def fails_permanently(ctx, _event):
    """1-19: a step without retry that always fails; the execution fails."""
    def failing(_):
        raise PermanentStepError("step always fails")

    return ctx.step(failing, "failing_step", NO_RETRY)


def caught_error(ctx, _event):
    """1-20: the failure is caught, a second step returns the fallback value."""
    def failing(_):
        raise PermanentStepError("step fails")

    try:
        fallback = ctx.step(failing, "failing_step", NO_RETRY)
    except StepError:
        fallback = "fallback_result"
    return ctx.step(lambda _: fallback, "use_fallback")


HANDLERS = {
    "1-1": greet,
    "1-2": greet_named,
    "1-3": sequential,
    "1-4": complex_object,
    "1-5": null_result,
    "1-6": custom_serdes,
    "1-7": logger,
    "1-8": step_then_wait("computed", 2),
    "1-9": step_then_wait("cached_value", 1),
    "1-10": failed_step_replayed,
    "1-11": retry_then_succeed,
    "1-12": retry_exhausted,
    "1-13": default_retry,
    "1-14": custom_backoff,
    "1-15": retry_on_transient,
    "1-16": no_retry_on_transient,
    "1-17": at_most_once_crash,
    "1-18": at_most_once_crash_then_retry,
    "1-19": fails_permanently,
    "1-20": caught_error,
}
