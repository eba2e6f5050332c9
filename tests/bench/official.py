"""The benchmark workloads, written with the AWS durable execution SDK for Python and run
with the official testing runner (`DurableFunctionTestRunner`, skipped time).

Prints one JSON object on stdout: median wall time in milliseconds per workload, plus the
number of repetitions. Run by `cargo xtask bench`; by hand:

    target/bench-venv/bin/python tests/bench/official.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner


@durable_execution
def quickstart(event, context: DurableContext):
    """The seed quickstart: step, wait, child context with two steps, step."""
    one = context.step(lambda _: "1 2", name="one")
    context.wait(Duration.from_seconds(1))

    def two(child: DurableContext):
        a = child.step(lambda _: "3 4", name="two_1")
        b = child.step(lambda _: "4 3", name="two_2")
        return f"{a} {b}"

    two_result = context.run_in_child_context(two, name="two")
    three = context.step(lambda _: "5 6", name="three")
    return [one, two_result, three]


@durable_execution
def empty(event, context: DurableContext):
    """Returns at once: one invocation, no operation."""
    return "done"


@durable_execution
def steps(event, context: DurableContext):
    """`n` sequential steps; with `waits` > 0, a 1 s wait after every n/waits steps."""
    n = int(event.get("n", 0))
    waits = int(event.get("waits", 0))
    every = n // waits if waits else 0
    total = 0
    for i in range(n):
        total += context.step(lambda _, i=i: i, name=f"step-{i}")
        if every and (i + 1) % every == 0:
            context.wait(Duration.from_seconds(1), name=f"wait-{(i + 1) // every}")
    return total


@durable_execution
def map_items(event, context: DurableContext):
    """A map over `n` items, each branch doubling its item."""
    items = list(range(int(event.get("n", 0))))
    result = context.map(items, lambda _ctx, item, _index, _items: item * 2, name="map")
    return sum(result.get_results())


# name -> (handler, input)
WORKLOADS = {
    "quickstart": (quickstart, "input str"),
    "empty": (empty, {}),
    "steps100": (steps, {"n": 100}),
    "steps1000": (steps, {"n": 1000}),
    "steps100_waits5": (steps, {"n": 100, "waits": 5}),
    "map100": (map_items, {"n": 100}),
    "steps5000": (steps, {"n": 5000}),
}


def measure(name: str, repetitions: int) -> float:
    handler, payload = WORKLOADS[name]
    times = []
    with DurableFunctionTestRunner(handler=handler, skip_time=True) as runner:
        for _ in range(repetitions):
            started = time.perf_counter()
            result = runner.run(
                input=json.dumps(payload),
                execution_timeout=600,
                execution_name=f"bench-{uuid.uuid4().hex}",
            )
            elapsed = time.perf_counter() - started
            status = getattr(result.status, "value", result.status)
            if str(status).upper() != "SUCCEEDED":
                raise SystemExit(f"{name}: execution ended {status}: {result.error}")
            times.append(elapsed * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    # Long workloads run fewer times: a 5000-step execution takes tens of seconds.
    plan = {
        "quickstart": (3, 7),
        "empty": (3, 7),
        "steps100": (3, 5),
        "steps1000": (1, 3),
        "steps100_waits5": (2, 3),
        "map100": (2, 3),
        "steps5000": (1, 2),
    }
    out = {"repetitions": {}, "median_ms": {}, "python": sys.version.split()[0]}
    for name, (quick, full) in plan.items():
        reps = quick if args.quick else full
        if reps == 0:
            out["median_ms"][name] = None
            continue
        started = time.perf_counter()
        out["median_ms"][name] = round(measure(name, reps), 3)
        out["repetitions"][name] = reps
        print(
            f"official {name}: {out['median_ms'][name]:.1f} ms median of {reps}"
            f" ({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
