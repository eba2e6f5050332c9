"""Suite `callback` (4-x): callbacks completed, failed or timed out by the outside world,
combined with steps and waits, custom deserialization, several callbacks."""

import json
from datetime import datetime

from common import secs, text
from durabox_durable import CallbackConfig, CallbackError, JsonSerDes, SerDes

# Callback results are raw strings by default; these handlers read them as JSON.
JSON = JsonSerDes()


def plain():
    return CallbackConfig(serdes=JSON)


def with_timeout(seconds):
    return CallbackConfig(timeout=secs(seconds), serdes=JSON)


def with_heartbeat(seconds):
    return CallbackConfig(heartbeat_timeout=secs(seconds), serdes=JSON)


def await_one(config, name=None):
    """4-1..4-6: create a callback (named `name` or the input) and return its result;
    failures and timeouts are not caught, so they fail the execution."""
    def handler(ctx, event):
        return ctx.create_callback(name or text(event), config()).result()

    return handler


def step_between(config):
    """4-7, 4-8: create the callback, run a step, then await the callback."""
    def handler(ctx, event):
        callback = ctx.create_callback(text(event), config())
        ctx.step(lambda _: "step done", "between")
        return callback.result()

    return handler


def wait_between(config, wait):
    """4-9..4-11: create the callback, wait, then await the callback."""
    def handler(ctx, event):
        callback = ctx.create_callback(text(event), config())
        ctx.wait(secs(wait))
        return callback.result()

    return handler


def wait_after(ctx, event):
    """4-12: await the callback, then wait 2 s, then return the callback's result."""
    result = ctx.create_callback(text(event), plain()).result()
    ctx.wait(secs(2))
    return result


def caught_then_wait(config):
    """4-13 (failure) and 4-14 (3 s timeout): the error is caught and its message kept;
    then a 2 s wait, then the message is returned."""
    def handler(ctx, event):
        try:
            message = {"result": ctx.create_callback(text(event), config()).result()}
        except CallbackError as e:  # CallbackTimeoutError included
            message = {"error": str(e)}
        ctx.wait(secs(2))
        return message

    return handler


class TimestampedSerDes(SerDes):
    """Reads `{id, message, timestamp: ISO-8601}`; the timestamp becomes a datetime."""

    def serialize(self, value, serdes_context):
        return json.dumps({**value, "timestamp": value["timestamp"].isoformat()})

    def deserialize(self, data, serdes_context):
        payload = json.loads(data)
        stamp = payload["timestamp"].replace("Z", "+00:00")
        return {**payload, "timestamp": datetime.fromisoformat(stamp)}


def typed_payload(ctx, event):
    """4-15: a custom deserializer turns the ISO timestamp into a datetime; the handler
    returns it as epoch seconds."""
    received = ctx.create_callback(text(event),
                                   CallbackConfig(serdes=TimestampedSerDes())).result()
    return {"received": {"id": received["id"], "message": received["message"],
                         "timestamp": int(received["timestamp"].timestamp())}}


class NumberSerDes(SerDes):
    """Parses the payload (a JSON number or a quoted number) into an int."""

    def serialize(self, value, serdes_context):
        return str(value)

    def deserialize(self, data, serdes_context):
        return int(data.strip().strip('"'))


def numeric_payload(ctx, event):
    """4-16: a custom deserializer parses the payload into a number."""
    count = ctx.create_callback(text(event), CallbackConfig(serdes=NumberSerDes())).result()
    return {"count": count, "doubled": count * 2}


def sequential_pair(ctx, event):
    """4-17: create and await A, then create and await B."""
    a, b = text(event[0]), text(event[1])
    first = ctx.create_callback(a, plain()).result()
    second = ctx.create_callback(b, plain()).result()
    return [first, second]


def await_pair(b_first):
    """4-18 (await A first) and 4-19 (await B first): create A and B, then await both."""
    def handler(ctx, event):
        callback_a = ctx.create_callback(text(event[0]), plain())
        callback_b = ctx.create_callback(text(event[1]), plain())
        if b_first:
            second = callback_b.result()
            return [callback_a.result(), second]
        first = callback_a.result()
        return [first, callback_b.result()]

    return handler


HANDLERS = {
    "4-1": await_one(plain),
    "4-2": await_one(plain, "approval"),
    "4-3": await_one(lambda: with_timeout(5)),
    "4-4": await_one(lambda: with_heartbeat(5)),
    "4-5": await_one(lambda: with_heartbeat(10)),
    "4-6": await_one(plain),
    "4-7": step_between(plain),
    "4-8": step_between(lambda: with_timeout(5)),
    "4-9": wait_between(plain, 5),
    "4-10": wait_between(plain, 5),
    "4-11": wait_between(lambda: with_timeout(3), 6),
    "4-12": wait_after,
    "4-13": caught_then_wait(plain),
    "4-14": caught_then_wait(lambda: with_timeout(3)),
    "4-15": typed_payload,
    "4-16": numeric_payload,
    "4-17": sequential_pair,
    "4-18": await_pair(False),
    "4-19": await_pair(True),
}
