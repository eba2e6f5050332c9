"""Suite `parallel` (8-x): branches (plain, unnamed, named), completion policies, nesting
modes, replay across a suspension, custom branch serdes, nested parallels, validation."""

import json

from common import COUNTS, FULL, projection, secs, tolerate
from durabox_durable import (CompletionConfig, NestingType, ParallelBranch, ParallelConfig,
                             SerDes, SerDesError)


class BranchError(Exception):
    pass


def sequential(**kwargs) -> ParallelConfig:
    """Max concurrency 1 (branches run one after the other, in index order); the parallel
    default completion (all successful)."""
    return ParallelConfig(max_concurrency=1, **kwargs)


def constant(value):
    """A branch returning `value` directly."""
    return lambda _ctx: value


def step_branch(value, step_name):
    """A branch running one step named `step_name` that returns `value`."""
    return lambda branch: branch.step(lambda _: value, step_name)


def results(ctx, branches, name=None, config=None):
    """Runs the parallel; returns the succeeded branches' results in index order."""
    return ctx.parallel(branches, name, config).get_results()


def with_steps(name, values, nesting):
    """8-1 (NESTED) and 8-12 (FLAT): each branch runs one step returning its value."""
    def handler(ctx, _event):
        branches = [step_branch(v, "task") for v in values]
        return results(ctx, branches, name, sequential(nesting_type=nesting))

    return handler


def unnamed(ctx, _event):
    """8-2: the branches-only form (no name)."""
    return results(ctx, [constant("alpha"), constant("beta")], config=sequential())


def named_branches(ctx, _event):
    """8-3: branches "first" and "second"."""
    branches = [ParallelBranch(constant("one"), "first"),
                ParallelBranch(constant("two"), "second")]
    return results(ctx, branches, "named", sequential())


def heterogeneous(ctx, _event):
    """8-4: a string, a number and an object."""
    branches = [constant("hello"), constant(42), constant({"k": "v"})]
    return results(ctx, branches, "hetero", sequential())


def empty(ctx, _event):
    """8-5: no branches."""
    return results(ctx, [], "empty", ParallelConfig())


def planned(plan):
    """One branch per letter of `plan`: `s` returns "ok", `f` raises BranchError."""
    def branch(i, fails):
        def run(_ctx):
            if fails:
                raise BranchError(f"branch {i} failed")
            return "ok"
        return run

    return [branch(i, c == "f") for i, c in enumerate(plan)]


def summary(name, plan, completion, keys):
    """8-6, 8-8..8-10, 8-13, 8-16..8-18, 8-22: runs the `plan` branches one at a time with
    `completion`; returns the projection `keys` of the batch result."""
    def handler(ctx, _event):
        result = ctx.parallel(planned(plan), name, sequential(completion_config=completion))
        return projection(result, keys)

    return handler


def throw_if_error(ctx, _event):
    """8-7: fail fast; the batch result rethrows the first branch failure."""
    result = ctx.parallel(planned("fs"), "throwing",
                          sequential(completion_config=tolerate(0)))
    result.throw_if_error()
    return result.get_results()


def concurrent(ctx, _event):
    """8-11: three branches, two at a time."""
    branches = [constant("r0"), constant("r1"), constant("r2")]
    return results(ctx, branches, "concurrent", ParallelConfig(max_concurrency=2))


def replay(ctx, _event):
    """8-14: branch 0 runs a step, branch 1 waits 2 s (the invocation suspends) and
    returns."""
    def waiting(b):
        b.wait(secs(2))
        return "b1"

    branches = [step_branch("b0", "b0"), waiting]
    return results(ctx, branches, "replay", sequential())


class Wrapped(SerDes):
    """8-15's branch serdes: `v` is checkpointed as `{"wrapped": v}` and unwrapped when
    read."""

    def serialize(self, value, serdes_context):
        return json.dumps({"wrapped": value})

    def deserialize(self, data, serdes_context):
        envelope = json.loads(data)
        if not isinstance(envelope, dict) or "wrapped" not in envelope:
            raise SerDesError(f"not wrapped: {data}")
        return envelope["wrapped"]


def custom_serdes(ctx, _event):
    """8-15: branches "x" and "y" through the wrapping serdes."""
    return results(ctx, [constant("x"), constant("y")], "serde",
                   sequential(item_serdes=Wrapped()))


def invalid_concurrency(ctx, _event):
    """8-19: max concurrency 0 is rejected before anything runs (not caught)."""
    return results(ctx, [constant("a"), constant("b")], "bad-concurrency",
                   ParallelConfig(max_concurrency=0))


def accessors(ctx, _event):
    """8-20: the accessors succeeded(), failed(), get_errors() and has_failure."""
    result = ctx.parallel(planned("sfs"), "accessors",
                          sequential(completion_config=tolerate(1)))
    return {
        "hasFailure": result.has_failure,
        "successCount": len(result.succeeded()),
        "failureCount": len(result.failed()),
        "errorCount": len(result.get_errors()),
    }


def nested(ctx, _event):
    """8-21: the single outer branch runs an inner parallel of two steps."""
    def outer(branch):
        inner = [step_branch(v, "inner") for v in ("i1", "i2")]
        return branch.parallel(inner, "inner", sequential()).get_results()

    return results(ctx, [outer], "outer", sequential())


HANDLERS = {
    "8-1": with_steps("parallel", ["task-1", "task-2"], NestingType.NESTED),
    "8-2": unnamed,
    "8-3": named_branches,
    "8-4": heterogeneous,
    "8-5": empty,
    "8-6": summary("failfast", "sf.", tolerate(0), FULL),
    "8-7": throw_if_error,
    "8-8": summary("min-successful", "ssss", CompletionConfig(min_successful=2),
                   ("completionReason", "successCount", "totalCount")),
    "8-9": summary("tolerated", "sfs", tolerate(1), FULL),
    "8-10": summary("tolerated-exceeded", "ffs", tolerate(1), COUNTS),
    "8-11": concurrent,
    "8-12": with_steps("flat", ["fa", "fb"], NestingType.FLAT),
    "8-13": summary("tolerated-pct", "ffss", CompletionConfig(tolerated_failure_percentage=25.0),
                    COUNTS),
    "8-14": replay,
    "8-15": custom_serdes,
    "8-16": summary("all-fail", "fff", tolerate(3), FULL),
    "8-17": summary("min-not-reached", "sfs", CompletionConfig(min_successful=3), FULL),
    "8-18": summary("combined", "ffss",
                    CompletionConfig(min_successful=3, tolerated_failure_count=1), COUNTS),
    "8-19": invalid_concurrency,
    "8-20": accessors,
    "8-21": nested,
    "8-22": summary("pct-boundary", "fsss", CompletionConfig(tolerated_failure_percentage=25.0),
                    FULL),
}
