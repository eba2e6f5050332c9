"""Suite `map` (9-x): map over items (named, unnamed, indexed, empty), completion policies,
concurrency, FLAT nesting, item namers, item and whole-result serdes, suspension and
replay, large results."""

from common import COUNTS, FULL, projection, secs, tolerate
from durabox_durable import (BatchItem, BatchItemStatus, BatchResult, CompletionConfig,
                             CompletionReason, MapConfig, NestingType, SerDes, SerDesError)
from durabox_durable.serdes import EXTENDED_TYPES_SERDES


class ItemError(Exception):
    pass


def sequential(**kwargs) -> MapConfig:
    """Max concurrency 1: items run one after the other, in index order."""
    return MapConfig(max_concurrency=1, **kwargs)


def items(event) -> list:
    """The input as a list (an absent input reads as empty)."""
    return list(event) if isinstance(event, list) else []


def greet(ctx, event):
    """9-1: each item runs a step greeting it."""
    def item(item_ctx, name, _index, _items):
        return item_ctx.step(lambda _: f"Hello, {name}!", "greet")

    return ctx.map(items(event), item, "map", sequential()).get_results()


def numbers(f, name=None):
    """9-2..9-4: `f(item, index)` returned directly for each number of the input."""
    def handler(ctx, event):
        return ctx.map(items(event), lambda _ctx, n, i, _items: f(n, i), name,
                       sequential()).get_results()

    return handler


def run_plan(ctx, name, plan, completion) -> BatchResult:
    """One item per letter of `plan`: `s` returns "ok", `f` raises ItemError."""
    def item(_ctx, c, i, _items):
        if c == "f":
            raise ItemError(f"item {i} failed")
        return "ok"

    return ctx.map(list(plan), item, name, sequential(completion_config=completion))


def summary(name, plan, completion, keys):
    """9-5, 9-7..9-10: runs the `plan` items with `completion`; returns the projection."""
    return lambda ctx, _event: projection(run_plan(ctx, name, plan, completion), keys)


def throw_if_error(ctx, _event):
    """9-6: fail fast on item 0; the batch result rethrows it (not caught)."""
    result = run_plan(ctx, "throwing", "fs", tolerate(0))
    result.throw_if_error()
    return result.get_results()


def concurrent(ctx, _event):
    """9-11: three items, two at a time."""
    return ctx.map(["r0", "r1", "r2"], lambda _ctx, item, _i, _items: item, "concurrent",
                   MapConfig(max_concurrency=2)).get_results()


def flat(ctx, _event):
    """9-12: FLAT nesting; each item's step returns the item."""
    def item(item_ctx, value, _i, _items):
        return item_ctx.step(lambda _: value, "item")

    return ctx.map(["fa", "fb"], item, "flat",
                   sequential(nesting_type=NestingType.FLAT)).get_results()


def item_namer(ctx, event):
    """9-13: iterations named `item-<item>`; each returns item * 10."""
    config = sequential(item_namer=lambda item, _index: f"item-{item}")
    return ctx.map(items(event), lambda _ctx, n, _i, _items: n * 10, "named-items",
                   config).get_results()


class WrappedText(SerDes):
    """9-14's item serdes: `v` is checkpointed as `wrapped:v`, read back without the
    prefix."""

    def serialize(self, value, serdes_context):
        return f"wrapped:{value}"

    def deserialize(self, data, serdes_context):
        if not data.startswith("wrapped:"):
            raise SerDesError(f"not wrapped: {data!r}")
        return data[len("wrapped:"):]


def item_serdes(ctx, _event):
    """9-14: items "x" and "y" uppercased, through the wrapping item serdes."""
    return ctx.map(["x", "y"], lambda _ctx, item, _i, _items: item.upper(), "serdes",
                   sequential(item_serdes=WrappedText())).get_results()


def suspend_inside(ctx, _event):
    """9-15: item 0 runs a step; item 1 waits 1 s (the invocation suspends), then runs a
    step."""
    def item(item_ctx, value, index, _items):
        if index == 1:
            item_ctx.wait(secs(1))
        return item_ctx.step(lambda _: value, "item")

    return ctx.map(["r0", "r1"], item, "suspend", sequential()).get_results()


def large(ctx, _event):
    """9-16: four items of about 70 KB each: the map's result exceeds the 256 KB
    checkpoint threshold. Returns {successCount, totalCount}."""
    result = ctx.map(list("abcd"), lambda _ctx, c, _i, _items: c * (70 * 1024), "large",
                     sequential())
    return projection(result, ("successCount", "totalCount"))


def then_wait(ctx, _event):
    """9-17: items uppercased, then a 1 s wait; the replay takes the map from the
    checkpoint."""
    result = ctx.map(["a", "b"], lambda _ctx, item, _i, _items: item.upper(), "then-wait",
                     sequential())
    ctx.wait(secs(1))
    return result.get_results()


def failure_then_wait(ctx, _event):
    """9-18: item "fail" fails (tolerated, not rethrown), then a 1 s wait."""
    def item(_ctx, value, i, _items):
        if value == "fail":
            raise ItemError(f"item {i} failed")
        return value

    result = ctx.map(["ok", "fail"], item, "fail-then-wait",
                     sequential(completion_config=tolerate(1)))
    ctx.wait(secs(1))
    return projection(result, FULL)


class OpSerDes(SerDes):
    """A whole-result serdes: "OPSERDE:" + the comma-joined results of a map whose items
    all succeeded; reads back as that many succeeded items."""

    def serialize(self, value, serdes_context):
        return "OPSERDE:" + ",".join(value.get_results())

    def deserialize(self, data, serdes_context):
        if not data.startswith("OPSERDE:"):
            raise SerDesError(f"not OPSERDE: {data!r}")
        results = data[len("OPSERDE:"):].split(",")
        return BatchResult([BatchItem(i, BatchItemStatus.SUCCEEDED, r)
                            for i, r in enumerate(results)], CompletionReason.ALL_COMPLETED)


def whole_result_serdes(name, wait_after):
    """9-19 / 9-20: items "x" and "y" uppercased; the whole map result goes through
    OpSerDes ("OPSERDE:X,Y"). With `wait_after`, a 1 s wait follows, so the replay reads
    the map back through OpSerDes.deserialize. The items keep the default serdes, named
    explicitly: as in AWS's Python SDK, items without `item_serdes` use `serdes`."""
    def handler(ctx, _event):
        result = ctx.map(["x", "y"], lambda _ctx, item, _i, _items: item.upper(), name,
                         sequential(serdes=OpSerDes(), item_serdes=EXTENDED_TYPES_SERDES))
        if wait_after:
            ctx.wait(secs(1))
        return result.get_results()

    return handler


HANDLERS = {
    "9-1": greet,
    "9-2": numbers(lambda n, _i: n * 2),
    "9-3": numbers(lambda n, i: n + i, "indexed"),
    "9-4": numbers(lambda n, _i: n, "empty"),
    "9-5": summary("failfast", "sfs", tolerate(0), FULL),
    "9-6": throw_if_error,
    "9-7": summary("min-successful", "ssss", CompletionConfig(min_successful=2),
                   ("completionReason", "successCount", "totalCount")),
    "9-8": summary("tolerated", "sfs", tolerate(1), FULL),
    "9-9": summary("tolerated-exceeded", "ffs", tolerate(1), COUNTS),
    "9-10": summary("tolerated-pct", "ffss",
                    CompletionConfig(tolerated_failure_percentage=25.0), COUNTS),
    "9-11": concurrent,
    "9-12": flat,
    "9-13": item_namer,
    "9-14": item_serdes,
    "9-15": suspend_inside,
    "9-16": large,
    "9-17": then_wait,
    "9-18": failure_then_wait,
    "9-19": whole_result_serdes("op-serde", False),
    "9-20": whole_result_serdes("op-serde-replay", True),
}
