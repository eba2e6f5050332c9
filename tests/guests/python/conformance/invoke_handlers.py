"""Suite `invoke` (5-x): chained invokes of other functions, their failures, replay,
tenant ids and custom payload/result (de)serialization; plus the invoke targets, served
by this same component (`DURABOX_CONFORMANCE_FN=target-echo` etc., see `targets:` in
tests/conformance/python.yaml)."""

import json

from common import secs, text
from durabox_durable import InvokeConfig, InvokeError, SerDes

ECHO = "conformance-target-echo"        # returns its input
FAIL = "conformance-target-fail"        # fails with TargetError
MEASURE = "conformance-target-measure"  # returns {"length": <bytes of the input as JSON>}
UPPER = "conformance-target-upper"      # uppercases a string input


class TargetError(Exception):
    pass


def target_fail(_event):
    raise TargetError("the target function failed")


TARGETS = {
    "target-echo": lambda event: event,
    "target-fail": target_fail,
    "target-measure": lambda event: {"length": len(json.dumps(event, separators=(",", ":")))},
    "target-upper": lambda event: event.upper() if isinstance(event, str) else event,
}



def echo_input(ctx, event):
    """5-1, 5-3, 5-4: the input is echoed back; failures are not caught."""
    return ctx.invoke(ECHO, event)


def named(ctx, event):
    """5-2: the invoke is named `input.name` and sends `input.payload`."""
    return ctx.invoke(ECHO, event.get("payload"), text(event.get("name")))


def failing(ctx, _event):
    """5-5: the target fails; not caught, so the execution fails."""
    return ctx.invoke(FAIL, None)


def caught(ctx):
    """The failing target's InvokeError is caught: a fallback value instead."""
    try:
        return ctx.invoke(FAIL, None)
    except InvokeError as e:
        return {"fallback": True, "error": e.error_type}


def fallback(ctx, _event):
    """5-6: the failing target's error is caught."""
    return caught(ctx)


def large_payload(ctx, _event):
    """5-7: a payload of about 200 KB (below the 256 KB asynchronous payload limit); the
    target reports the size it received."""
    return ctx.invoke(MEASURE, {"data": "x" * (200 * 1024)})


def with_tenant(ctx, event):
    """5-8: `input.payload` is sent with `input.tenantId` as the tenant."""
    config = InvokeConfig(tenant_id=text(event.get("tenantId")))
    return ctx.invoke(ECHO, event.get("payload"), config=config)


def then_wait(ctx, _event):
    """5-9: invoke, then a 1 s wait; the replay takes the invoke's result from the
    checkpoint."""
    result = ctx.invoke(ECHO, "cached")
    ctx.wait(secs(1))
    return result


def failed_then_wait(ctx, _event):
    """5-10: the failing invoke is caught, then a 1 s wait; the replay re-raises the
    recorded failure, which is caught again."""
    result = caught(ctx)
    ctx.wait(secs(1))
    return result


def step_then_invoke(ctx, _event):
    """5-11: a step, then an invoke of its result."""
    prepared = ctx.step(lambda _: "prepared", "prepare")
    return ctx.invoke(ECHO, prepared)


def invoke_then_step(ctx, _event):
    """5-12: an invoke, then a step processing its result."""
    result = ctx.invoke(ECHO, "invoked")
    return ctx.step(lambda _: {"processed": result}, "process")


def in_child_context(ctx, _event):
    """5-13: the invoke runs inside a child context, which returns its result."""
    return ctx.run_in_child_context(lambda child: child.invoke(ECHO, "from child"),
                                    "invoke-child")


def two_targets(ctx, _event):
    """5-14: two different targets invoked one after the other."""
    first = ctx.invoke(ECHO, "first")
    second = ctx.invoke(UPPER, "second")
    return [first, second]


class UppercasePayload(SerDes):
    """5-15's payload serdes: the string is sent uppercased (as JSON, the target's input)."""

    def serialize(self, value, serdes_context):
        return json.dumps(value.upper())

    def deserialize(self, data, serdes_context):
        return json.loads(data)


def payload_serdes(ctx, event):
    """5-15: `input.data` is serialized by the custom payload serdes before it is sent."""
    return ctx.invoke(ECHO, text(event.get("data")),
                      config=InvokeConfig(serdes_payload=UppercasePayload()))


class UppercaseResult(SerDes):
    """5-16's result serdes: the target's result payload is read uppercased, as text (the
    JSON string `"hello"` reads as the text `"HELLO"`, quotes included)."""

    def serialize(self, value, serdes_context):
        return value

    def deserialize(self, data, serdes_context):
        return data.upper()


def result_serdes(ctx, event):
    """5-16: the echoed input is read back through the custom result serdes."""
    return ctx.invoke(ECHO, text(event), config=InvokeConfig(serdes_result=UppercaseResult()))


HANDLERS = {
    "5-1": echo_input,
    "5-2": named,
    "5-3": echo_input,
    "5-4": echo_input,
    "5-5": failing,
    "5-6": fallback,
    "5-7": large_payload,
    "5-8": with_tenant,
    "5-9": then_wait,
    "5-10": failed_then_wait,
    "5-11": step_then_invoke,
    "5-12": invoke_then_step,
    "5-13": in_child_context,
    "5-14": two_targets,
    "5-15": payload_serdes,
    "5-16": result_serdes,
}
