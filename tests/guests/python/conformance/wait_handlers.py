"""Suite `wait` (2-x): durable waits, named waits, sequences and long durations."""

from durabox_durable import Duration


def wait(seconds, name=None):
    """2-1, 2-2, 2-4, 2-5: one wait (the long ones are history-only in the suite)."""
    def handler(ctx, _event):
        ctx.wait(Duration.from_seconds(seconds), name)
        return None

    return handler


def sequential(ctx, _event):
    """2-3: two named waits of 2 s, one invocation each."""
    ctx.wait(Duration.from_seconds(2), "wait-1")
    ctx.wait(Duration.from_seconds(2), "wait-2")
    return {"completedWaits": 2}


HANDLERS = {
    "2-1": wait(2),
    "2-2": wait(2, "custom_wait_name"),
    "2-3": sequential,
    "2-4": wait(60),
    "2-5": wait(60 * 60),
}
