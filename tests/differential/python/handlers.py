"""Differential test handlers: ONE source that runs unchanged in AWS's official Python
testing runner (aws-durable-execution-sdk-python-testing, against AWS's SDK) and in
durabox (built with `durabox build handlers.py`, against durabox's SDK).

Only AWS imports. Each case is an undecorated body `fn(input, context)` in `BODIES`; the one
`@durable_execution` function, `handler`, dispatches on the execution input
`{"case": NAME, "input": ...}` and adds no operation of its own, so both runners record the
history of the body alone. Both runners run `handler` with the same input.

`CASES` says how a case is driven (see test_differential.py):
  - "run":      start it, wait for the result (durabox: `durabox run --json`);
  - "callback": start it, answer its callbacks in order as `CALLBACK_ANSWERS[case]` says
                (durabox: `durabox serve --skip-time` + boto3);
  - "invoke":   start it with `target` registered as a chained-invoke target (the same
                `handler`; durabox: `--function target=COMPONENT`).
"""

from __future__ import annotations

import datetime
import decimal
import json

from aws_durable_execution_sdk_python import (
    BatchItemStatus,
    CallbackError,
    ChildContextError,
    CompletionOutcome,
    DurableContext,
    InvokeError,
    ParallelBranch,
    StepContext,
    StepError,
    WaitForConditionError,
    complete_batch,
    continue_batch,
    durable_execution,
    durable_parallel_branch,
    durable_step,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.config import (
    CallbackConfig,
    ChildConfig,
    CompletionConfig,
    Duration,
    JitterStrategy,
    MapConfig,
    NestingType,
    ParallelConfig,
    StepConfig,
    StepSemantics,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import (
    RetryDecision,
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)
from aws_durable_execution_sdk_python.serdes import SerDes
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)


class OrderError(Exception):
    """A handler's own error type: recorded as `handlers.OrderError`."""


class Transient(Exception):
    pass


def three_attempts(**kwargs):
    """3 attempts, 1 s then 2 s apart, no jitter (deterministic delays)."""
    return create_retry_strategy(RetryStrategyConfig(
        max_attempts=3, initial_delay=Duration.from_seconds(1),
        jitter_strategy=JitterStrategy.NONE, **kwargs))


NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def fail_until(attempt_ok: int, message: str = "not yet"):
    """A step body failing with Transient before attempt `attempt_ok`."""
    def body(step: StepContext):
        if step.attempt < attempt_ok:
            raise Transient(f"{message} (attempt {step.attempt})")
        return step.attempt
    return body


# --- steps ----------------------------------------------------------------------------


def step_values(_input, ctx: DurableContext):
    values = [
        ctx.step(lambda _: 42, name="int"),
        ctx.step(lambda _: -1.5, name="float"),
        ctx.step(lambda _: "héllo \"quoted\"\n", name="str"),
        ctx.step(lambda _: True, name="bool"),
        ctx.step(lambda _: [1, "two", None, [3.0]], name="list"),
        ctx.step(lambda _: None, name="none"),
        ctx.step(lambda _: "", name="empty-str"),
        ctx.step(lambda _: [], name="empty-list"),
        ctx.step(lambda _: 10**20, name="big-int"),
    ]
    return values


def step_values_dict(_input, ctx: DurableContext):
    """Dicts are not "primitive" to AWS's default serdes (ExtendedTypeSerDes): it stores
    them in its tagged envelope {"t": "m", "v": ...}."""
    return [
        ctx.step(lambda _: {"b": 1, "a": {"nested": [True, False]}}, name="dict"),
        ctx.step(lambda _: {}, name="empty-dict"),
        ctx.step(lambda _: [{"in": "list"}], name="list-of-dicts"),
    ]


def step_returns_none(_input, ctx: DurableContext):
    ctx.step(lambda _: None, name="nothing")
    return None


@durable_step
def add(_step: StepContext, a: int, b: int) -> int:
    return a + b


def step_names(input, ctx: DurableContext):
    """Unnamed lambda step, @durable_step (named after the function), explicit name."""
    a = ctx.step(lambda _: input["x"])
    b = ctx.step(add(a, 1))
    c = ctx.step(add(b, 1), name="explicit")
    return [a, b, c]


def step_input_echo(input, _ctx: DurableContext):
    """No operations at all: the input comes back as the result."""
    return {"echo": input}


def step_retry_then_succeed(_input, ctx: DurableContext):
    return ctx.step(fail_until(3), name="flaky", config=StepConfig(retry_strategy=three_attempts()))


def step_retry_exhausted(_input, ctx: DurableContext):
    def always(_step):
        raise OrderError("boom")

    ctx.step(always, name="always-fails", config=StepConfig(retry_strategy=three_attempts()))
    return "unreachable"


def step_retry_presets(_input, ctx: DurableContext):
    """Presets without jitter, each needing a retry or two; `none` fails at once."""
    out = {
        "fixed": ctx.step(fail_until(2), name="fixed",
                          config=StepConfig(retry_strategy=RetryPresets.fixed(Duration.from_seconds(2)))),
        "linear": ctx.step(fail_until(3), name="linear",
                           config=StepConfig(retry_strategy=RetryPresets.linear())),
        "critical": ctx.step(fail_until(2), name="critical",
                             config=StepConfig(retry_strategy=RetryPresets.critical())),
    }
    try:
        ctx.step(fail_until(2), name="none", config=NO_RETRY)
    except StepError as e:
        out["none"] = {"type": e.error_type, "message": e.message}
    return out


def step_retry_filtered(input, ctx: DurableContext):
    """Only Transient (by class, or by message substring) is retried."""
    if input.get("by_message"):
        strategy = three_attempts(retryable_errors=["busy"])
    else:
        strategy = three_attempts(retryable_error_types=[Transient])

    def body(step: StepContext):
        if step.attempt == 1:
            raise Transient("service busy")
        raise OrderError("do not retry")

    ctx.step(body, name="filtered", config=StepConfig(retry_strategy=strategy))
    return "unreachable"


def step_retry_function(_input, ctx: DurableContext):
    """A hand-written retry function: attempt n waits n seconds, at most 2 retries."""
    def decide(error: Exception, attempts_made: int) -> RetryDecision:
        if isinstance(error, Transient) and attempts_made < 3:
            return RetryDecision.retry(Duration.from_seconds(attempts_made))
        return RetryDecision.no_retry()

    return ctx.step(fail_until(3), name="decided", config=StepConfig(retry_strategy=decide))


def step_at_most_once(_input, ctx: DurableContext):
    """AT_MOST_ONCE_PER_RETRY: a success, then a step retried once and succeeding."""
    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
                        retry_strategy=three_attempts())
    first = ctx.step(lambda _: "once", name="at-most-once", config=config)
    second = ctx.step(fail_until(2), name="at-most-once-retried", config=config)
    return [first, second]


def step_error_caught(_input, ctx: DurableContext):
    def fails(_step):
        raise OrderError("step went wrong")

    try:
        ctx.step(fails, name="fails", config=NO_RETRY)
    except StepError as e:
        return {"message": e.message, "type": e.error_type, "class": type(e).__name__}
    return "unreachable"


def handler_raises(_input, ctx: DurableContext):
    """The handler itself raises a custom exception after a step."""
    ctx.step(lambda _: 1, name="before")
    raise OrderError("order 7 is invalid")


def handler_raises_builtin(_input, _ctx: DurableContext):
    raise ValueError("bad value")


# --- waits ----------------------------------------------------------------------------


def waits(_input, ctx: DurableContext):
    ctx.wait(Duration.from_seconds(1))
    ctx.wait(Duration.from_hours(1), name="an-hour")
    ctx.wait(Duration.from_minutes(2), name="two-minutes")
    return ctx.step(lambda _: "after waits", name="after")


# --- child contexts -------------------------------------------------------------------


@durable_with_child_context
def decorated_child(ctx: DurableContext, n: int) -> int:
    return ctx.step(lambda _: n * 10, name="times-ten")


def child_contexts(_input, ctx: DurableContext):
    def inner(c: DurableContext):
        x = c.step(lambda _: "x", name="inner-step")
        c.wait(Duration.from_seconds(5), name="inner-wait")
        return x + "!"

    def outer(c: DurableContext):
        a = c.step(lambda _: "a", name="outer-step")
        b = c.run_in_child_context(inner, name="inner")
        return a + b

    first = ctx.run_in_child_context(outer, name="outer")
    second = ctx.run_in_child_context(decorated_child(4))
    third = ctx.run_in_child_context(lambda c: c.step(lambda _: None, name="none-step"))
    return [first, second, third]


def child_context_fails(_input, ctx: DurableContext):
    def failing(c: DurableContext):
        c.step(lambda _: "ok", name="ok-step")
        raise OrderError("child broke")

    try:
        ctx.run_in_child_context(failing, name="failing-child")
    except ChildContextError as e:
        caught = {"class": type(e).__name__, "message": e.message, "type": e.error_type}
    else:
        caught = None

    def step_fails(c: DurableContext):
        c.step(lambda _: (_ for _ in ()).throw(OrderError("in step")), name="bad-step",
               config=NO_RETRY)

    ctx.run_in_child_context(step_fails, name="uncaught-child")
    return caught


# --- wait_for_condition ---------------------------------------------------------------


def wait_for_condition(_input, ctx: DurableContext):
    strategy = create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=lambda state: state < 3,
        initial_delay=Duration.from_seconds(2), backoff_rate=2,
        jitter_strategy=JitterStrategy.NONE))
    return ctx.wait_for_condition(
        lambda state, check: state + 1 if check.attempt else state,
        WaitForConditionConfig(wait_strategy=strategy, initial_state=0),
        name="count-to-3")


def wait_for_condition_custom(_input, ctx: DurableContext):
    def strategy(state: int, attempts_made: int) -> WaitForConditionDecision:
        if state >= 2:
            return WaitForConditionDecision.stop_polling()
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(attempts_made * 3))

    return ctx.wait_for_condition(lambda state, _check: state + 1,
                                  WaitForConditionConfig(wait_strategy=strategy, initial_state=0))


def wait_for_condition_exhausted(_input, ctx: DurableContext):
    strategy = create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=lambda _state: True, max_attempts=2,
        initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))
    try:
        ctx.wait_for_condition(lambda state, _check: state + 1,
                               WaitForConditionConfig(wait_strategy=strategy, initial_state=0),
                               name="never")
    except WaitForConditionError as e:
        return {"class": type(e).__name__, "message": e.message}
    return "unreachable"


# --- callbacks ------------------------------------------------------------------------


def callback_timeout(_input, ctx: DurableContext):
    """Nobody answers: the 2 s timeout fires (durabox skips it; AWS's testing runner
    takes callback timeouts in real time)."""
    callback = ctx.create_callback(name="approval",
                                   config=CallbackConfig(timeout=Duration.from_seconds(2)))
    try:
        return callback.result()
    except CallbackError as e:
        return {"class": type(e).__name__, "message": e.message}


def callback_success(_input, ctx: DurableContext):
    callback = ctx.create_callback(name="approval")
    ctx.step(lambda _: callback.callback_id is not None, name="send-request")
    return [callback.result()]


def callback_failure(_input, ctx: DurableContext):
    callback = ctx.create_callback(name="approval")
    try:
        callback.result()
    except CallbackError as e:
        return {"class": type(e).__name__, "message": e.message}
    return "unreachable"


def wait_for_callback(_input, ctx: DurableContext):
    def submit(callback_id: str, _ctx):
        assert callback_id

    return ctx.wait_for_callback(submit, name="external",
                                 config=WaitForCallbackConfig(retry_strategy=RetryPresets.none()))


# --- map and parallel -----------------------------------------------------------------


def double(ctx: DurableContext, item: int, index: int, _items):
    return ctx.step(lambda _: item * 2, name=f"double-{index}")


def double_or_fail(ctx: DurableContext, item: int, index: int, _items):
    def body(_step):
        if item % 2:
            raise OrderError(f"odd item {item}")
        return item * 2
    return ctx.step(body, name=f"item-{index}", config=NO_RETRY)


def summarize(batch) -> dict:
    return {
        "status": batch.status.value,
        "results": batch.get_results(),
        "success": batch.success_count,
        "failure": batch.failure_count,
        "started": batch.started_count,
        "total": batch.total_count,
        "items": [[item.index, item.status.value] for item in batch.all],
        "reason": batch.completion_reason.value,
    }


def map_default(_input, ctx: DurableContext):
    return summarize(ctx.map([1, 2, 3, 4], double, name="doubles"))


def map_max_concurrency(_input, ctx: DurableContext):
    return summarize(ctx.map([1, 2, 3, 4], double, name="doubles",
                             config=MapConfig(max_concurrency=2)))


def map_sequential(_input, ctx: DurableContext):
    return summarize(ctx.map([1, 2, 3], double, name="doubles",
                             config=MapConfig(max_concurrency=1)))


def map_min_successful(_input, ctx: DurableContext):
    return summarize(ctx.map([2, 4, 6, 8], double_or_fail, name="min2",
                             config=MapConfig(max_concurrency=1,
                                              completion_config=CompletionConfig(min_successful=2))))


def map_tolerated_failure_count(_input, ctx: DurableContext):
    return summarize(ctx.map([1, 2, 3, 4, 5], double_or_fail, name="tolerate1",
                             config=MapConfig(max_concurrency=1,
                                              completion_config=CompletionConfig(tolerated_failure_count=1))))


def map_tolerated_failure_percentage(_input, ctx: DurableContext):
    return summarize(ctx.map([2, 1, 4, 6], double_or_fail, name="tolerate50",
                             config=MapConfig(completion_config=CompletionConfig(
                                 tolerated_failure_percentage=50))))


def map_should_complete(_input, ctx: DurableContext):
    def decide(status):
        if status.success_count >= 2:
            return complete_batch(CompletionOutcome.SUCCEEDED)
        return continue_batch()

    return summarize(ctx.map([2, 4, 6, 8], double_or_fail, name="custom",
                             config=MapConfig(max_concurrency=1,
                                              completion_config=CompletionConfig(should_complete=decide))))


def map_failures_all_completed(_input, ctx: DurableContext):
    """Default completion (all items), some fail: the batch completes, throw_if_error raises."""
    batch = ctx.map([1, 2, 3], double_or_fail, name="mixed",
                    config=MapConfig(max_concurrency=1))
    summary = summarize(batch)
    summary["errors"] = [e.message if e else None for e in batch.get_errors()]
    batch.throw_if_error()
    return summary


def map_flat(_input, ctx: DurableContext):
    return summarize(ctx.map([1, 2], double, name="flat",
                             config=MapConfig(max_concurrency=1, nesting_type=NestingType.FLAT)))


def map_empty(_input, ctx: DurableContext):
    return summarize(ctx.map([], double, name="empty"))


@durable_parallel_branch()
def branch_step(ctx: DurableContext, label: str) -> str:
    return ctx.step(lambda _: f"branch {label}", name=f"step-{label}")


def branch_fails(ctx: DurableContext) -> str:
    return ctx.step(lambda _: (_ for _ in ()).throw(OrderError("branch failed")),
                    name="failing-step", config=NO_RETRY)


def branch_waits(ctx: DurableContext) -> str:
    ctx.wait(Duration.from_seconds(10), name="branch-wait")
    return "waited"


def parallel_default(_input, ctx: DurableContext):
    return summarize(ctx.parallel([branch_step("a"), branch_step("b"), branch_step("c")],
                                  name="abc"))


def parallel_sequential(_input, ctx: DurableContext):
    return summarize(ctx.parallel(
        [branch_step("a"), ParallelBranch(branch_waits, name="waiter"), branch_step("c")],
        name="seq", config=ParallelConfig(max_concurrency=1)))


def parallel_max_concurrency(_input, ctx: DurableContext):
    return summarize(ctx.parallel(
        [branch_step("a"), branch_step("b"), branch_step("c"), branch_step("d")],
        name="two-at-a-time", config=ParallelConfig(max_concurrency=2)))


def parallel_min_successful(_input, ctx: DurableContext):
    return summarize(ctx.parallel(
        [branch_step("a"), branch_step("b"), branch_step("c")], name="first-one",
        config=ParallelConfig(max_concurrency=1,
                              completion_config=CompletionConfig(min_successful=1))))


def parallel_tolerated_failures(_input, ctx: DurableContext):
    return summarize(ctx.parallel(
        [branch_fails, branch_step("b"), branch_fails, branch_step("d")], name="tolerate",
        config=ParallelConfig(max_concurrency=1,
                              completion_config=CompletionConfig(tolerated_failure_count=1))))


def parallel_failure_raises(_input, ctx: DurableContext):
    batch = ctx.parallel([branch_step("a"), branch_fails], name="raises",
                         config=ParallelConfig(max_concurrency=1))
    batch.throw_if_error()
    return "unreachable"


# --- invoke ---------------------------------------------------------------------------


def invoke_target(input, ctx: DurableContext):
    """The chained-invoke target (registered as `target`)."""
    if input.get("fail"):
        raise OrderError(f"target refused {input['n']}")
    return ctx.step(lambda _: ["target saw", input["n"]], name="target-step")


def invoke(_input, ctx: DurableContext):
    return ctx.invoke("target", {"case": "invoke_target", "input": {"n": 7}}, name="call-target")


def invoke_fails(_input, ctx: DurableContext):
    try:
        ctx.invoke("target", {"case": "invoke_target", "input": {"n": 8, "fail": True}},
                   name="call-target")
    except InvokeError as e:
        return {"class": type(e).__name__, "message": e.message, "type": e.error_type}
    return "unreachable"


# --- logging and serdes ---------------------------------------------------------------


def logging(_input, ctx: DurableContext):
    ctx.logger.info("handler starts", extra={"order": 1})

    def body(step: StepContext):
        step.logger.info("inside the step")
        step.logger.warning("a warning")
        return "logged"

    result = ctx.step(body, name="logging-step")
    ctx.logger.error("handler ends")
    return result


class UpperSerDes(SerDes):
    """A custom serdes: strings are stored upper-cased inside an envelope."""

    def serialize(self, value, _context) -> str:
        return json.dumps({"upper": value.upper()})

    def deserialize(self, data: str, _context):
        return json.loads(data)["upper"].lower()


def serdes_custom(_input, ctx: DurableContext):
    a = ctx.step(lambda _: "shout", name="custom-serdes", config=StepConfig(serdes=UpperSerDes()))
    b = ctx.run_in_child_context(lambda c: "child value", name="child-serdes",
                                 config=ChildConfig(serdes=UpperSerDes()))
    return [a, b]


def serdes_extended_types(_input, ctx: DurableContext):
    """The default serdes stores non-JSON types in its tagged envelope."""
    when = ctx.step(lambda _: datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC),
                    name="datetime")
    amount = ctx.step(lambda _: decimal.Decimal("12.50"), name="decimal")
    pair = ctx.step(lambda _: (1, "b"), name="tuple")
    blob = ctx.step(lambda _: b"\x00\x01bytes", name="bytes")
    return [when.isoformat(), str(amount), list(pair), blob.hex()]


BODIES = {
    fn.__name__: fn
    for fn in [
        step_values, step_values_dict, step_returns_none, step_names, step_input_echo,
        step_retry_then_succeed, step_retry_exhausted, step_retry_presets,
        step_retry_filtered, step_retry_function, step_at_most_once, step_error_caught,
        handler_raises, handler_raises_builtin,
        waits, child_contexts, child_context_fails,
        wait_for_condition, wait_for_condition_custom, wait_for_condition_exhausted,
        callback_timeout, callback_success, callback_failure, wait_for_callback,
        map_default, map_max_concurrency, map_sequential, map_min_successful,
        map_tolerated_failure_count, map_tolerated_failure_percentage, map_should_complete,
        map_failures_all_completed, map_flat, map_empty,
        parallel_default, parallel_sequential, parallel_max_concurrency,
        parallel_min_successful, parallel_tolerated_failures, parallel_failure_raises,
        invoke_target, invoke, invoke_fails, logging, serdes_custom, serdes_extended_types,
    ]
}

# How each case is driven, and its input (see the module docstring).
CASES = {name: ("run", {}) for name in BODIES if name != "invoke_target"}
CASES["step_names"] = ("run", {"x": 5})
CASES["step_input_echo"] = ("run", {"a": [1, None, "x"], "b": {"c": 1.5}})
CASES["step_retry_filtered"] = ("run", {})
CASES["step_retry_filtered_by_message"] = ("run", {"by_message": True})
BODIES["step_retry_filtered_by_message"] = step_retry_filtered
for _name in ("callback_success", "callback_failure", "wait_for_callback"):
    CASES[_name] = ("callback", {})
for _name in ("invoke", "invoke_fails"):
    CASES[_name] = ("invoke", {})

# Batches run with more than one branch at a time: AWS's runner runs the branches on threads,
# so the order of their events varies from run to run; these cases are compared order-free
# (see differential.compare_concurrent).
CONCURRENT = {"map_default", "map_max_concurrency", "map_tolerated_failure_percentage",
              "parallel_default", "parallel_max_concurrency"}

# The answers the driver sends, in order, to the callbacks a "callback" case creates:
# ("success", result string) or ("failure", {"ErrorType", "ErrorMessage"}).
CALLBACK_ANSWERS = {
    "callback_success": [("success", '{"approved": true}')],
    "callback_failure": [("failure", {"ErrorType": "Rejected", "ErrorMessage": "no way"})],
    "wait_for_callback": [("success", '"done"')],
}


@durable_execution
def handler(event, context: DurableContext):
    return BODIES[event["case"]](event.get("input", {}), context)
