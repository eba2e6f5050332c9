"""The benchmark workloads, written with the AWS durable execution SDK for Python and run
with the official testing runner (`DurableFunctionTestRunner`, skipped time).

Two modes:

* `--serve` (what `cargo xtask bench` uses, through host/examples/bench): one sample per
  request, so the durabox side can interleave its own samples with these. Prints
  `{"ready": true, ...}`, then reads workload names, one a line, on stdin and answers each
  with one JSON line `{"wall_ms": ..., "cpu_ms": ...}` for one execution. `cpu_ms` is the
  process's CPU time (every thread, user + system: `time.process_time()`) during the run;
  wall minus CPU is what the runner spends idle (its own sleeps and polls). One runner per
  workload, kept open while the same workload is asked for again.
* no flag: the old standalone run; prints one JSON object with the medians (wall and CPU)
  per workload and the number of repetitions:

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


def sample(name: str, runner: DurableFunctionTestRunner) -> dict:
    """One execution of workload `name`: wall and CPU milliseconds."""
    _, payload = WORKLOADS[name]
    cpu_started = time.process_time()
    started = time.perf_counter()
    result = runner.run(
        input=json.dumps(payload),
        execution_timeout=600,
        execution_name=f"bench-{uuid.uuid4().hex}",
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    status = getattr(result.status, "value", result.status)
    if str(status).upper() != "SUCCEEDED":
        raise SystemExit(f"{name}: execution ended {status}: {result.error}")
    return {"wall_ms": round(elapsed * 1000.0, 3), "cpu_ms": round(cpu * 1000.0, 3)}


def measure(name: str, repetitions: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `repetitions` runs."""
    handler, _ = WORKLOADS[name]
    samples = []
    with DurableFunctionTestRunner(handler=handler, skip_time=True) as runner:
        for _ in range(repetitions):
            samples.append(sample(name, runner))
    return (
        statistics.median(s["wall_ms"] for s in samples),
        statistics.median(s["cpu_ms"] for s in samples),
    )


def serve() -> None:
    """One sample per workload name read from stdin, one JSON line per answer."""
    print(json.dumps({"ready": True, "python": sys.version.split()[0]}), flush=True)
    current: tuple[str, DurableFunctionTestRunner] | None = None
    try:
        for line in sys.stdin:
            name = line.strip()
            if not name:
                continue
            if name not in WORKLOADS:
                print(json.dumps({"error": f"unknown workload {name}"}), flush=True)
                continue
            if current is None or current[0] != name:
                if current is not None:
                    current[1].__exit__(None, None, None)
                runner = DurableFunctionTestRunner(handler=WORKLOADS[name][0], skip_time=True)
                runner.__enter__()
                current = (name, runner)
            print(json.dumps(sample(name, current[1])), flush=True)
    finally:
        if current is not None:
            current[1].__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--serve", action="store_true", help="one sample per stdin line")
    args = parser.parse_args()
    if args.serve:
        serve()
        return
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
    out = {
        "repetitions": {},
        "median_ms": {},
        "median_cpu_ms": {},
        "python": sys.version.split()[0],
    }
    for name, (quick, full) in plan.items():
        reps = quick if args.quick else full
        if reps == 0:
            out["median_ms"][name] = None
            continue
        started = time.perf_counter()
        wall, cpu = measure(name, reps)
        out["median_ms"][name] = round(wall, 3)
        out["median_cpu_ms"][name] = round(cpu, 3)
        out["repetitions"][name] = reps
        print(
            f"official {name}: {out['median_ms'][name]:.1f} ms median of {reps}"
            f" ({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
