"""Suite `wait_for_condition` (6-x): polling a check function until the wait strategy
stops, with names, initial states, fixed delays, attempt limits, failing checks,
structured, null and custom-serialized states, and sequences."""

import json

from common import secs
from durabox_durable import (JitterStrategy, SerDes, WaitForConditionConfig,
                             WaitForConditionDecision, WaitForConditionError, WaitStrategyConfig,
                             create_wait_strategy)


class CheckError(Exception):
    pass


def fixed(seconds, while_, max_attempts=60):
    """Poll while `while_(state)`, `seconds` apart: no backoff, no jitter."""
    return create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=while_, max_attempts=max_attempts,
        initial_delay=secs(seconds), max_delay=secs(seconds), backoff_rate=1.0,
        jitter_strategy=JitterStrategy.NONE))


def poll_counter(ctx, initial, threshold, delay=1, name=None, max_attempts=60):
    """Increments the state from `initial` while it is below `threshold`; returns the
    final state."""
    config = WaitForConditionConfig(
        wait_strategy=fixed(delay, lambda n: n < threshold, max_attempts),
        initial_state=initial)
    return ctx.wait_for_condition(lambda n, _check: n + 1, config, name)


def count_up(initial=0, delay=1, name=None):
    """6-1, 6-3..6-5: count from `initial` up to the input."""
    def handler(ctx, event):
        return poll_counter(ctx, initial, int(event or 0), delay, name)

    return handler


def unchanged(ctx, event):
    """6-2: the state starts at 5 and is returned unchanged; the strategy continues only
    while it is below the input (5), so the first check stops."""
    threshold = int(event or 0)
    config = WaitForConditionConfig(wait_strategy=fixed(1, lambda n: n < threshold),
                                    initial_state=5)
    return ctx.wait_for_condition(lambda n, _check: n, config)


def never_met(ctx, _event):
    """6-6: the condition is never met; at most 3 attempts 1 s apart, so the third check
    fails the operation (not caught)."""
    return poll_counter(ctx, 0, float("inf"), max_attempts=3)


def failing_check(ctx, _event):
    """6-7: the first check raises (not caught)."""
    def check(_state, _check):
        raise CheckError("the check function failed")

    config = WaitForConditionConfig(wait_strategy=fixed(1, lambda _: True), initial_state=0)
    return ctx.wait_for_condition(check, config)


def failing_check_caught(ctx, event):
    """6-8: the same, caught: returns "recovered"."""
    try:
        return failing_check(ctx, event)
    except WaitForConditionError:
        return "recovered"


def object_state(ctx, _event):
    """6-9: `{status, attempts}` state: PENDING until the second check sets DONE."""
    def check(job, _check):
        attempts = job["attempts"] + 1
        return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}

    config = WaitForConditionConfig(
        wait_strategy=fixed(1, lambda job: job["status"] == "PENDING"),
        initial_state={"status": "PENDING", "attempts": 0})
    return ctx.wait_for_condition(check, config)


def null_state(ctx, _event):
    """6-10: the check returns None and a custom strategy stops at once."""
    config = WaitForConditionConfig(
        wait_strategy=lambda _state, _attempt: WaitForConditionDecision.stop_polling(),
        initial_state=None)
    return ctx.wait_for_condition(lambda _state, _check: None, config)


class ReversedSerDes(SerDes):
    """6-11's state format: a string checkpointed as `{"encoded": <reversed>}`."""

    def serialize(self, value, serdes_context):
        return json.dumps({"encoded": value[::-1]})

    def deserialize(self, data, serdes_context):
        return json.loads(data)["encoded"][::-1]


def custom_serdes(ctx, _event):
    """6-11: the check appends "x" until the state is 2 characters long."""
    config = WaitForConditionConfig(wait_strategy=fixed(1, lambda s: len(s) < 2),
                                    initial_state="", serdes=ReversedSerDes())
    return ctx.wait_for_condition(lambda s, _check: s + "x", config)


def then_step(ctx, event):
    """6-12: count up to the input, then a step multiplies the result by 10."""
    n = poll_counter(ctx, 0, int(event or 0))
    return ctx.step(lambda _: n * 10, "multiply")


def sequential(ctx, _event):
    """6-13: count 0 -> 2, then 2 -> 4 in a second operation."""
    first = poll_counter(ctx, 0, 2)
    return poll_counter(ctx, first, 4)


HANDLERS = {
    "6-1": count_up(),
    "6-2": unchanged,
    "6-3": count_up(name="poll-status"),
    "6-4": count_up(initial=5),
    "6-5": count_up(delay=2),
    "6-6": never_met,
    "6-7": failing_check,
    "6-8": failing_check_caught,
    "6-9": object_state,
    "6-10": null_state,
    "6-11": custom_serdes,
    "6-12": then_step,
    "6-13": sequential,
}
