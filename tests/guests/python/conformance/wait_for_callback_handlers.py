"""Suite `wait_for_callback` (7-x): a callback plus a submitter step in one child context
(SubType `WaitForCallback`)."""

from common import secs, text
from durabox_durable import CallbackError, JsonSerDes, RetryPresets, WaitForCallbackConfig

# Callback results are raw strings by default; these handlers read them as JSON.
JSON = JsonSerDes()


def plain():
    return WaitForCallbackConfig(serdes=JSON)


def with_timeout(seconds):
    return WaitForCallbackConfig(timeout=secs(seconds), serdes=JSON)


def with_heartbeat(seconds):
    return WaitForCallbackConfig(heartbeat_timeout=secs(seconds), serdes=JSON)


class SubmitterError(Exception):
    pass


def submit(callback_id, wctx):
    """A submitter that only hands the callback id over (nothing durable)."""
    wctx.logger.info(f"submitting callback {callback_id}")


def wait_for(config=plain, name=text):
    """7-1..7-5, 7-12, 7-13, 7-15: one wait_for_callback (named by `name(input)`) whose
    result is returned; failures and timeouts are not caught."""
    def handler(ctx, event):
        return ctx.wait_for_callback(submit, name(event), config())

    return handler


def recovered(config, fallback):
    """7-6 (failure) and 7-14 (timeout): the error is caught and `fallback` returned."""
    def handler(ctx, event):
        try:
            return ctx.wait_for_callback(submit, text(event), config())
        except CallbackError:  # CallbackTimeoutError included
            return fallback

    return handler


def submitter_fails(ctx, event):
    """7-7: the submitter always throws; 2 attempts 1 s apart, then the operation fails."""
    def failing(_callback_id, wctx):
        raise SubmitterError(f"submitter attempt {wctx.attempt} failed")

    config = WaitForCallbackConfig(retry_strategy=RetryPresets.fixed(secs(1), 2), serdes=JSON)
    return ctx.wait_for_callback(failing, text(event), config)


def in_child(ctx, event):
    """7-8: the operation runs inside a child context named "wrapper"."""
    return ctx.run_in_child_context(
        lambda child: child.wait_for_callback(submit, text(event), plain()), "wrapper")


def two_in_a_row(ctx, _event):
    """7-9: "first", then "second"; returns the second result."""
    ctx.wait_for_callback(submit, "first", plain())
    return ctx.wait_for_callback(submit, "second", plain())


def after_wait_and_step(ctx, event):
    """7-10: a 1 s wait, a top-level step, then the operation."""
    ctx.wait(secs(1))
    ctx.step(lambda _: {"data": "fixed"}, "fixed_data")
    return ctx.wait_for_callback(submit, text(event), plain())


def json_payload(ctx, event):
    """7-11: the payload is read as a JSON object; its `status` field is returned."""
    return ctx.wait_for_callback(submit, text(event), plain())["status"]


HANDLERS = {
    "7-1": wait_for(),
    "7-2": wait_for(name=lambda _: "approval"),
    "7-3": wait_for(name=lambda _: None),
    "7-4": wait_for(),
    "7-5": wait_for(lambda: with_timeout(3)),
    "7-6": recovered(plain, "recovered"),
    "7-7": submitter_fails,
    "7-8": in_child,
    "7-9": two_in_a_row,
    "7-10": after_wait_and_step,
    "7-11": json_payload,
    "7-12": wait_for(lambda: with_heartbeat(5)),
    "7-13": wait_for(lambda: with_heartbeat(10)),
    "7-14": recovered(lambda: with_timeout(3), "timed-out-handled"),
    "7-15": wait_for(),
}
