"""Suite `child` (3-x): child contexts, nesting, failures, replay, large results, serdes."""

import json
import os

from common import NO_RETRY, secs, text
from durabox_durable import (ChildConfig, ChildContextError, LoggerConfig, RetryPresets, SerDes,
                             StepConfig, durable_with_child_context)
from wit_world.imports.types import invocation_envelope


class ChildStepError(Exception):
    pass


class TemporaryError(Exception):
    pass


class AlwaysFails(Exception):
    pass


class ChildError(Exception):
    pass


def echo(ctx, name, value):
    """A step inside `ctx` returning `value`."""
    return ctx.step(lambda _: value, name)


@durable_with_child_context
def echo_child(ctx, value):
    return echo(ctx, "echo", value)


def single_step(ctx, event):
    """3-1: a child context with one step returning the input."""
    return ctx.run_in_child_context(echo_child(text(event)), "child")


def named(ctx, event):
    """3-2: the child context is named after `input.name`; its step returns `input.value`."""
    return ctx.run_in_child_context(echo_child(text(event.get("value"))),
                                    text(event.get("name")))


def two_steps(ctx, event):
    """3-3: two steps, the second receiving the first step's result."""
    def body(child):
        first = echo(child, "first", text(event))
        return echo(child, "second", first)

    return ctx.run_in_child_context(body, "two_steps")


def fail(ctx):
    """A step (no retry) that always fails."""
    def failing(_):
        raise ChildStepError("child step failed")

    return ctx.step(failing, "failing_step", NO_RETRY)


def failing_step(ctx, _event):
    """3-4: the inner step fails; the child context and the execution fail."""
    return ctx.run_in_child_context(fail, "failing_child")


def failure_caught(ctx, event):
    """3-5: the child context's failure is caught; a recovery step returns the input."""
    try:
        ctx.run_in_child_context(fail, "failing_child")
    except ChildContextError:
        pass
    return echo(ctx, "recovery", text(event))


def nested(ctx, event):
    """3-6: an outer child (one step) containing an inner child (one step)."""
    value = text(event)

    def outer(child):
        echo(child, "outer_step", value)
        return child.run_in_child_context(lambda inner: echo(inner, "inner_step", value),
                                          "inner")

    return ctx.run_in_child_context(outer, "outer")


def step_retry(ctx, event):
    """3-7: the inner step fails on attempt 1 and succeeds on attempt 2."""
    value = text(event)

    def flaky(step):
        if step.attempt < 2:
            raise TemporaryError("first attempt fails")
        return value

    config = StepConfig(retry_strategy=RetryPresets.fixed(secs(1), 3))
    return ctx.run_in_child_context(lambda child: child.step(flaky, "flaky", config),
                                    "retrying_child")


def step_retry_exhausted(ctx, _event):
    """3-8: the inner step always fails, 2 attempts; the child context and execution fail."""
    def always_fails(step):
        raise AlwaysFails(f"attempt {step.attempt} failed")

    config = StepConfig(retry_strategy=RetryPresets.fixed(secs(1), 2))
    return ctx.run_in_child_context(lambda child: child.step(always_fails, "always_fails",
                                                             config), "exhausted_child")


def replay_cached(ctx, event):
    """3-9: a child context, then a wait; on replay the child returns its recorded result."""
    result = ctx.run_in_child_context(echo_child(text(event)), "cached_child")
    ctx.wait(secs(1))
    return result


def step_and_wait(ctx, event):
    """3-10: a step and a wait inside the child context."""
    def body(child):
        value = echo(child, "echo", text(event))
        child.wait(secs(1))
        return value

    return ctx.run_in_child_context(body, "step_and_wait")


LARGE_RESULT_BYTES = 300 * 1024  # over the 256 KiB checkpoint limit of a context result


def large_result(ctx, event):
    """3-11: the child logs the input, runs a small step and builds a result over 256 KiB
    (checkpointed with ReplayChildren, so it re-runs on replay); then a wait. Replay
    logging is on, so the re-run child logs again."""
    value = text(event)
    ctx.configure_logger(LoggerConfig(mode_aware=False))

    def body(child):
        child.logger.info(f"building large result for {value}")
        unit = echo(child, "small", value) + ";"
        return unit * (LARGE_RESULT_BYTES // len(unit) + 1)

    large = ctx.run_in_child_context(body, "large_child")
    ctx.wait(secs(1))
    return {"length": len(large)}


def step_started_earlier() -> bool:
    """Whether an earlier invocation already started a step (read from the invocation's
    initial state, before this invocation issues any operation)."""
    envelope = json.loads(invocation_envelope() or "{}")
    operations = (envelope.get("InitialExecutionState") or {}).get("Operations") or []
    return any(op.get("Type") == "STEP" for op in operations)


def interrupted(ctx, event):
    """3-12: the step crashes the runtime on the first invocation (after StepStarted); the
    next invocation runs it again and it succeeds."""
    crash, value = not step_started_earlier(), text(event)

    def crashing(_):
        if crash:
            os._exit(1)  # a killed sandbox: WASI proc_exit ends the instance
        return value

    return ctx.run_in_child_context(lambda child: child.step(crashing, "crashing_step"),
                                    "interrupted_child")


def wait_inside(ctx, event):
    """3-13: a child context with only a wait, then a step outside it."""
    def body(child):
        child.wait(secs(1))
        return text(event)

    from_child = ctx.run_in_child_context(body, "waiting_child")
    return echo(ctx, "after_child", from_child)


class UppercaseSerDes(SerDes):
    """Checkpoints a string upper-cased, as is (not JSON); reads the payload back unchanged."""

    def serialize(self, value, serdes_context):
        return value.upper()

    def deserialize(self, data, serdes_context):
        return data


def custom_serdes(ctx, event):
    """3-14: the child's result goes through the upper-casing serdes."""
    return ctx.run_in_child_context(echo_child(text(event)), "uppercase_child",
                                    ChildConfig(serdes=UppercaseSerDes()))


def throws_directly(ctx, _event):
    """3-15: the child function fails without any durable operation."""
    def body(_child):
        raise ChildError("child failed directly")

    return ctx.run_in_child_context(body, "throwing_child")


def returns_null(ctx, _event):
    """3-16: the child function returns None."""
    return ctx.run_in_child_context(lambda _child: None, "null_child")


def logger_only(ctx, event):
    """3-17: the child only logs and returns the input; then a wait (not re-run)."""
    value = text(event)

    def body(child):
        child.logger.info(f"child context received {value}")
        return value

    result = ctx.run_in_child_context(body, "logging_child")
    ctx.wait(secs(1))
    return result


def inside_and_after(ctx, event):
    """3-18: a step and a wait in the child context, then a step and a wait after it."""
    def body(child):
        value = echo(child, "inner_step", text(event))
        child.wait(secs(1))
        return value

    from_child = ctx.run_in_child_context(body, "step_and_wait")
    result = echo(ctx, "outer_step", from_child)
    ctx.wait(secs(1))
    return result


HANDLERS = {
    "3-1": single_step,
    "3-2": named,
    "3-3": two_steps,
    "3-4": failing_step,
    "3-5": failure_caught,
    "3-6": nested,
    "3-7": step_retry,
    "3-8": step_retry_exhausted,
    "3-9": replay_cached,
    "3-10": step_and_wait,
    "3-11": large_result,
    "3-12": interrupted,
    "3-13": wait_inside,
    "3-14": custom_serdes,
    "3-15": throws_directly,
    "3-16": returns_null,
    "3-17": logger_only,
    "3-18": inside_and_after,
}
