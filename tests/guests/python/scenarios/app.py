"""The Python counterpart of tests/guests/rust/scenarios (a subset) for the host's
integration tests (tests/integration/python.rs): the input `{"scenario": "<name>", ...}`
selects what the handler does. Each scenario says what the tests should observe."""

import json
import time
import uuid

from durabox_durable import (CallbackConfig, CallbackError, CompletionConfig, DurableContext,
                             Duration, InvokeError, JitterStrategy, MapConfig, ParallelBranch,
                             ParallelConfig, RetryDecision, RetryPresets, RetryStrategyConfig,
                             StepConfig, StepError, StepSemantics, WaitForCallbackConfig,
                             WaitForConditionConfig, WaitForConditionDecision,
                             WaitStrategyConfig, create_retry_strategy, create_wait_strategy,
                             durable_execution, durable_step, durable_with_child_context)


class Transient(Exception):
    pass


class MyError(Exception):
    pass


def three_attempts(**kwargs):
    """3 attempts, 1 s then 2 s apart, no jitter."""
    return create_retry_strategy(RetryStrategyConfig(
        max_attempts=3, initial_delay=Duration.from_seconds(1),
        jitter_strategy=JitterStrategy.NONE, **kwargs))


NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def steps(ctx: DurableContext, _input):
    """Three steps, each using the previous result. Returns "result=22"."""
    a = ctx.step(lambda _: 1, "first")
    b = ctx.step(lambda _: a + 10, "second")
    return ctx.step(lambda _: f"result={b * 2}", "third")


@durable_step
def flaky(step):
    if step.attempt < 3:
        raise Transient(f"attempt {step.attempt} failed")
    return step.attempt


def retry_then_succeed(ctx: DurableContext, _input):
    """Fails attempts 1 and 2 (ErrorType app.Transient), succeeds on 3. Returns {"attempt": 3}."""
    return {"attempt": ctx.step(flaky(), config=StepConfig(retry_strategy=three_attempts()))}


def retry_exhausted(ctx: DurableContext, _input):
    """Fails 3 attempts with `app.MyError: boom`; the execution fails."""
    def always_fails(_):
        raise MyError("boom")

    ctx.step(always_fails, "always-fails", StepConfig(retry_strategy=three_attempts()))
    return "unreachable"


def retry_filtered(ctx: DurableContext, input):
    """Only Transient errors (by class, or by message substring "busy (1)" when
    `input.by_message`) are retried, 3 attempts."""
    if input.get("by_message"):
        strategy = three_attempts(retryable_errors=["busy (1)"])
    else:
        strategy = three_attempts(retryable_error_types=[Transient])

    def body(step):
        if step.attempt == 1:
            raise Transient("service busy (1)")
        raise MyError("do not retry")

    ctx.step(body, "filtered", StepConfig(retry_strategy=strategy))
    return "unreachable"


def retry_function(ctx: DurableContext, _input):
    """A guest-side retry function, at most once per retry: attempt n waits n seconds,
    two retries. Returns the attempt that succeeded (3)."""
    def decide(error, attempt):
        assert isinstance(error, Transient)
        if attempt < 3:
            return RetryDecision.retry(Duration.from_seconds(attempt))
        return RetryDecision.no_retry()

    config = StepConfig(retry_strategy=decide,
                        step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
    return ctx.step(flaky(), "decided", config)


def caught_step_error(ctx: DurableContext, _input):
    """A step without retries fails; the handler catches StepError."""
    def fails(_):
        raise MyError("step went wrong")

    try:
        ctx.step(fails, "fails", NO_RETRY)
    except StepError as e:
        return {"caught": str(e), "type": e.error_type}
    return "unreachable"


def swallow(ctx: DurableContext, input):
    """Waits inside `try: ... except Exception:`: suspension is a BaseException, so the
    wait still suspends and the handler returns "waited" after it."""
    try:
        ctx.wait(Duration.from_seconds(input.get("seconds", 2)))
    except Exception:  # noqa: BLE001  (on purpose)
        return "swallowed"
    return "waited"


@durable_with_child_context
def inner(ctx: DurableContext):
    return ctx.step(lambda _: "b", "inner-step") + "!"


@durable_with_child_context
def outer(ctx: DurableContext):
    a = ctx.step(lambda _: "a", "outer-step")
    return f"{a}+{ctx.run_in_child_context(inner())}"


def child(ctx: DurableContext, _input):
    """Nested child contexts with steps. Returns "a+b!"."""
    return ctx.run_in_child_context(outer())


def child_failure(ctx: DurableContext, _input):
    """A child whose step fails without retry; the execution fails."""
    def body(child_ctx):
        def fails(_):
            raise MyError("child step failed")
        return child_ctx.step(fails, "fails", NO_RETRY)

    ctx.run_in_child_context(body, "failing-child")
    return "unreachable"


def callback_config(input):
    return dict(timeout=Duration.from_seconds(input.get("timeout", 0)),
                heartbeat_timeout=Duration.from_seconds(input.get("heartbeat", 0)))


def callback(ctx: DurableContext, input):
    """Callback "approval". Returns {"callback": <result JSON>}; `input.catch` turns a
    failure into {"error": <ErrorType>}."""
    cb = ctx.create_callback("approval", CallbackConfig(**callback_config(input)))
    ctx.logger.info("callback id: %s", cb.callback_id)
    try:
        raw = cb.result()
    except CallbackError as e:
        if input.get("catch"):
            return {"error": e.error_type, "class": type(e).__name__}
        raise
    return {"callback": json.loads(raw) if raw else None}


def wait_for_callback(ctx: DurableContext, input):
    """wait_for_callback "ask"; the submitter logs the callback id. Returns the raw result."""
    def submit(callback_id, wctx):
        wctx.logger.info(f"submitting callback id: {callback_id}")

    return ctx.wait_for_callback(submit, "ask", WaitForCallbackConfig(**callback_config(input)))


def condition(ctx: DurableContext, input):
    """Counts up to `input.target` (default 3): custom 1 s strategy with `input.custom`,
    else the AWS backoff with `input.max_attempts`. Returns the final count."""
    target = input.get("target", 3)
    if input.get("custom"):
        def strategy(n, _attempt):
            if n >= target:
                return WaitForConditionDecision.stop_polling()
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
    else:
        strategy = create_wait_strategy(WaitStrategyConfig(
            should_continue_polling=lambda n: n < target,
            max_attempts=input.get("max_attempts", 60)))

    def check(n, check_ctx):
        check_ctx.logger.info(f"check {check_ctx.attempt} sees {n}")
        return n + 1

    return ctx.wait_for_condition(check, WaitForConditionConfig(strategy, initial_state=0),
                                  name="counter")


def invoke(ctx: DurableContext, input):
    """Invokes `input.function` with `input.payload`; `input.catch` returns failures."""
    try:
        return {"result": ctx.invoke(input.get("function", "scenarios"), input.get("payload"),
                                     name="call")}
    except InvokeError as e:
        if input.get("catch"):
            return {"failed": e.error_type, "message": str(e)}
        raise


def invoke_each(ctx: DurableContext, input):
    """Invokes each `{function, payload}` of `input.calls` in turn (names `call-<i>`);
    returns the results, or `{"failed": type}` for a call that failed."""
    results = []
    for i, call in enumerate(input["calls"]):
        try:
            results.append(ctx.invoke(call["function"], call.get("payload"), name=f"call-{i}"))
        except InvokeError as e:
            results.append({"failed": e.error_type})
    return results


def nondeterministic(ctx: DurableContext, _input):
    """Reads the wall clock and the random source outside any step (replay hazards the
    determinism lint reports), then runs step "after". Returns True."""
    started = time.time()
    token = uuid.uuid4()
    ctx.step(lambda _: "done", "after")
    return started > 0 and token.version == 4


def batch_json(result):
    return {
        "reason": result.completion_reason.value,
        "items": [{"index": i.index, "status": i.status.value, "result": i.result,
                   "error": i.error.type if i.error else None} for i in result.all],
        "has_failure": result.has_failure,
        "results": result.get_results(),
    }


def completion(input, default):
    return {
        "all_completed": CompletionConfig.all_completed,
        "first_successful": CompletionConfig.first_successful,
        "all_successful": CompletionConfig.all_successful,
    }.get(input.get("completion"), default)()


def map_(ctx: DurableContext, input):
    """Doubles `input.items` in a step per item; items in `input.fail` fail (no retry);
    `input.wait` waits (wait + item) seconds first."""
    fail, wait = input.get("fail", []), input.get("wait")

    def double(branch: DurableContext, item, _index, _items):
        if wait is not None:
            branch.wait(Duration.from_seconds(wait + item))

        def body(_):
            if item in fail:
                raise MyError(f"item {item} failed")
            return item * 2

        return branch.step(body, "double", NO_RETRY)

    config = MapConfig(max_concurrency=input.get("max_concurrency"),
                       completion_config=completion(input, CompletionConfig),
                       item_namer=lambda item, _i: f"item-{item}")
    result = ctx.map(input.get("items", []), double, "numbers", config)
    if input.get("throw"):
        result.throw_if_error()
    return batch_json(result)


def parallel(ctx: DurableContext, input):
    """Branches "fast", "slow" (waits `input.wait`, default 10 s) and "failing"."""
    wait = input.get("wait", 10)

    def slow(b: DurableContext):
        b.wait(Duration.from_seconds(wait))
        return "slow"

    def failing(b: DurableContext):
        if input.get("no_failure"):
            return "fine"

        def boom(_):
            raise MyError("boom")
        return b.step(boom, "boom", NO_RETRY)

    branches = [ParallelBranch(lambda b: b.step(lambda _: "fast", "now"), "fast"),
                ParallelBranch(slow, "slow"), ParallelBranch(failing, "failing")]
    config = ParallelConfig(max_concurrency=input.get("max_concurrency"),
                            completion_config=completion(input, CompletionConfig.all_successful))
    return batch_json(ctx.parallel(branches, "branches", config))


def wait(ctx: DurableContext, input):
    """Waits `input.seconds` (default 2). Returns "done"."""
    ctx.wait(Duration.from_seconds(input.get("seconds", 2)))
    return "done"


SCENARIOS = {
    "steps": steps, "retry_then_succeed": retry_then_succeed,
    "retry_exhausted": retry_exhausted, "retry_filtered": retry_filtered,
    "retry_function": retry_function,
    "caught_step_error": caught_step_error, "swallow": swallow, "wait": wait,
    "child": child, "child_failure": child_failure, "callback": callback,
    "wait_for_callback": wait_for_callback, "condition": condition, "invoke": invoke,
    "invoke_each": invoke_each, "nondeterministic": nondeterministic,
    "map": map_, "parallel": parallel,
}


@durable_execution
def handler(event, context: DurableContext):
    if not isinstance(event, dict):
        raise ValueError(f"expected an object, got {event!r}")
    scenario = SCENARIOS.get(event.get("scenario"))
    if scenario is None:
        raise ValueError(f"unknown scenario {event.get('scenario')!r}")
    return scenario(context, event)
