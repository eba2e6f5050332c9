"""Runs one handler case (handlers.py) in AWS's official Python testing runner and in durabox
and compares what they record.

    expected = run_aws(case)             # DurableFunctionTestRunner, skip_time
    got = run_durabox(case, server)      # `durabox run --json`, or `durabox serve` + boto3
    comparison = compare(case, expected, got)

Each run is reduced to {"Status", "Result", "Error", "Events"}: Result parsed as JSON, Error as
(ErrorType, ErrorMessage), and every history event as everything both runners must agree on:
EventType, SubType, Name, Id, ParentId and the *Details (payload strings, durations, retry
details, ...). Left out, because they differ by construction (two different executions, two
clocks): EventId numbering is implied by the order, timestamps, the execution's own Id/Name/ARN,
invocation request ids, callback ids and child-execution ARNs, and stack traces (file paths
of two runtimes). `RUNNER_GAPS` lists the fields AWS's *testing runner* leaves out of its
history although the real service records them (documented in
/work/shared/reference/aws-durable-semantics.md, "History gaps in the testing SDK"): durabox
records them as the service does; they are compared only when the testing runner has them.

Environment: DURABOX_BIN (default target/debug/durabox), DIFFERENTIAL_COMPONENT (default
target/differential/python.wasm).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DURABOX = Path(os.environ.get("DURABOX_BIN", ROOT / "target/debug/durabox"))
COMPONENT = Path(os.environ.get("DIFFERENTIAL_COMPONENT", ROOT / "target/differential/python.wasm"))
EXECUTION_TIMEOUT = 86400  # durabox's default; the AWS runner is given the same
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import handlers  # noqa: E402  (the same source durabox builds)

# (EventType, path inside the event) the AWS testing runner omits but the service records.
RUNNER_GAPS = [
    ("StepSucceeded", ("StepSucceededDetails", "RetryDetails")),
    ("CallbackStarted", ("CallbackStartedDetails", "Timeout")),
    ("CallbackStarted", ("CallbackStartedDetails", "HeartbeatTimeout")),
    ("ChainedInvokeStarted", ("ChainedInvokeStartedDetails", "ExecutedVersion")),
    ("StepSucceeded", ("StepSucceededDetails", "Result", "Payload")),  # wait_for_condition RETRY
    ("InvocationCompleted", ("InvocationCompletedDetails",)),
]
# Failure events whose Error the testing runner marks Truncated although it includes the
# payload (model.py builds them with EventError.from_details(details), include=False).
RUNNER_TRUNCATED_ERRORS = {"ContextFailed", "CallbackFailed", "CallbackTimedOut",
                           "ChainedInvokeFailed", "ChainedInvokeTimedOut", "ChainedInvokeStopped"}
# Keys dropped everywhere: they name or time two different executions.
BY_CONSTRUCTION = {"EventId", "EventTimestamp", "CallbackId", "DurableExecutionArn",
                   "RequestId", "StackTrace"}


def case_input(case: str) -> str:
    """The execution input both runners get, byte for byte."""
    return json.dumps({"case": case, "input": handlers.CASES[case][1]})


# --- AWS's testing runner -------------------------------------------------------------


def run_aws(case: str) -> dict:
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

    mode = handlers.CASES[case][0]
    with DurableFunctionTestRunner(handler=handlers.handler, poll_interval=0.05,
                                   execution_timeout=EXECUTION_TIMEOUT) as runner:
        if mode == "invoke":
            runner.register_durable_function("target", handlers.handler)
        arn = runner.run_async(input=case_input(case), execution_timeout=EXECUTION_TIMEOUT)
        for kind, answer in handlers.CALLBACK_ANSWERS.get(case, []) if mode == "callback" else []:
            callback_id = runner.wait_for_callback(arn, timeout=60)
            if kind == "success":
                runner.send_callback_success(callback_id, answer.encode())
            else:
                from aws_durable_execution_sdk_python.lambda_service import ErrorObject
                runner.send_callback_failure(callback_id, ErrorObject.from_dict(answer))
        result = runner.wait_for_result(arn, timeout=120)
        history = runner.get_execution_history(arn, include_execution_data=True).to_dict()
    status = (result.execution_status or result.status).value
    error = None
    if result.error is not None:
        error = {"ErrorType": result.error.type, "ErrorMessage": result.error.message}
    return {"Status": status, "Result": result.result, "Error": error,
            "Events": json.loads(json.dumps(history["Events"], default=str))}


# --- durabox --------------------------------------------------------------------------


def run_durabox(case: str, server: "Server | None" = None) -> dict:
    mode = handlers.CASES[case][0]
    if mode == "callback":
        if server is None:
            raise ValueError(f"{case} needs a durabox server")
        return server.run_with_callbacks(case)
    # Nobody answers a callback here: its timeout is skipped to (AWS's runner waits for it).
    command = [str(DURABOX), "run", str(COMPONENT), "--input", case_input(case), "--json",
               "--fire-callback-timeouts"]
    if mode == "invoke":
        command += ["--function", f"target={COMPONENT}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    try:
        out = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"durabox run exited {done.returncode}:\n{done.stderr[-4000:]}") from None
    return from_execution(out["Execution"], out["Events"])


def from_execution(execution: dict, events: list[dict]) -> dict:
    error = execution.get("Error")
    if error is not None:
        error = {"ErrorType": error.get("ErrorType"), "ErrorMessage": error.get("ErrorMessage")}
    return {"Status": execution["Status"], "Result": execution.get("Result"), "Error": error,
            "Events": events}


class Server:
    """One `durabox serve --skip-time --port 0 --function diff=COMPONENT --function
    target=COMPONENT`, driven with boto3."""

    LISTENING = re.compile(r"durabox listening on (http://\S+)")

    def __init__(self) -> None:
        self.output: list[str] = []
        self.url: str | None = None
        ready = threading.Event()
        self.process = subprocess.Popen(
            [str(DURABOX), "serve", "--skip-time", "--port", "0",
             "--function", f"diff={COMPONENT}", "--function", f"target={COMPONENT}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, cwd=ROOT)

        def drain():
            for line in self.process.stdout:
                self.output.append(line)
                match = self.LISTENING.search(line)
                if match and self.url is None:
                    self.url = match.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(120) or self.url is None:
            self.stop()
            raise RuntimeError("durabox serve did not start:\n" + "".join(self.output))
        import boto3
        from botocore.config import Config
        self.client = boto3.client(
            "lambda", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}, read_timeout=120))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _history(self, arn: str) -> list[dict]:
        events, marker = [], None
        while True:
            kwargs = {"DurableExecutionArn": arn, "IncludeExecutionData": True}
            if marker:
                kwargs["Marker"] = marker
            page = self.client.get_durable_execution_history(**kwargs)
            events += page["Events"]
            marker = page.get("NextMarker")
            if not marker:
                return events

    def _open_callback(self, arn: str, answered: set[str], deadline: float) -> str:
        """The id of a started, unanswered callback whose invocation has completed
        (as the AWS runner's wait_for_callback)."""
        while time.time() < deadline:
            events = self._history(arn)
            for i, event in enumerate(events):
                if event["EventType"] != "CallbackStarted":
                    continue
                callback_id = event["CallbackStartedDetails"]["CallbackId"]
                settled = any(e["EventType"] == "InvocationCompleted" for e in events[i + 1:])
                if callback_id not in answered and settled:
                    return callback_id
            time.sleep(0.05)
        raise TimeoutError(f"no open callback in {arn}")

    def run_with_callbacks(self, case: str) -> dict:
        response = self.client.invoke(FunctionName="diff", Payload=case_input(case).encode(),
                                      InvocationType="Event")
        arn = response["DurableExecutionArn"]
        deadline = time.time() + 120
        answered: set[str] = set()
        for kind, answer in handlers.CALLBACK_ANSWERS.get(case, []):
            callback_id = self._open_callback(arn, answered, deadline)
            if kind == "success":
                self.client.send_durable_execution_callback_success(
                    CallbackId=callback_id, Result=answer.encode())
            else:
                self.client.send_durable_execution_callback_failure(
                    CallbackId=callback_id, Error=answer)
            answered.add(callback_id)
        while True:
            execution = self.client.get_durable_execution(DurableExecutionArn=arn)
            if execution["Status"] in TERMINAL:
                break
            if time.time() > deadline:
                raise TimeoutError(f"{case} did not finish: {execution['Status']}")
            time.sleep(0.05)
        for key in ("StartTimestamp", "EndTimestamp"):
            execution.pop(key, None)
        events = json.loads(json.dumps(self._history(arn), default=str))
        return from_execution(execution, events)


# --- comparison -----------------------------------------------------------------------


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()
                if k not in BY_CONSTRUCTION and not k.endswith("Timestamp")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def normalize(event: dict) -> dict:
    """What both runners must agree on for one event."""
    event = _strip(event)
    if event["EventType"].startswith("Execution"):
        event.pop("Id", None)
        event.pop("Name", None)
    return event


def _get(event: dict, path: tuple) -> Any:
    for key in path:
        if not isinstance(event, dict) or key not in event:
            return None
        event = event[key]
    return event


def _drop(event: dict, path: tuple) -> None:
    for key in path[:-1]:
        event = event.get(key, {})
    event.pop(path[-1], None)


def apply_runner_gaps(expected: dict, got: dict) -> None:
    """Drops from `got` (durabox) what the AWS testing runner omits, per RUNNER_GAPS."""
    if expected["EventType"] != got["EventType"]:
        return
    for event_type, path in RUNNER_GAPS:
        if got["EventType"] == event_type and _get(expected, path) is None:
            _drop(got, path)
            if len(path) > 1 and _get(got, path[:-1]) == {} and _get(expected, path[:-1]) is None:
                _drop(got, path[:-1])
    if got["EventType"] in RUNNER_TRUNCATED_ERRORS:
        details = got["EventType"] + "Details"
        want, have = _get(expected, (details, "Error")), _get(got, (details, "Error"))
        if (isinstance(want, dict) and isinstance(have, dict) and want.get("Truncated") is True
                and "Payload" in want):
            have["Truncated"] = True


def parse_json(payload: str | None) -> Any:
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except json.JSONDecodeError:
        return {"<not JSON>": payload}


@dataclass
class Comparison:
    case: str
    differences: list[str] = field(default_factory=list)  # human-readable, first one first
    first_event: int | None = None  # index of the first differing event
    expected_event: dict | None = None
    got_event: dict | None = None
    expected: dict | None = None
    got: dict | None = None

    @property
    def matches(self) -> bool:
        return not self.differences


def peak_open_branches(events: list[dict]) -> dict[str, int]:
    """Per map/parallel operation id: the most branches open (started, not ended) at once."""
    open_now: dict[str, int] = {}
    peak: dict[str, int] = {}
    for e in events:
        if e.get("SubType") not in ("MapIteration", "ParallelBranch"):
            continue
        parent = e.get("ParentId")
        if e["EventType"] == "ContextStarted":
            open_now[parent] = open_now.get(parent, 0) + 1
            peak[parent] = max(peak.get(parent, 0), open_now[parent])
        elif e["EventType"] in ("ContextSucceeded", "ContextFailed"):
            open_now[parent] = open_now.get(parent, 0) - 1
    return peak


def compare_concurrent(c: Comparison, want: list[dict], have: list[dict]) -> None:
    """Order-free: the same events (as a multiset), the same order of each operation's own
    events, and at least AWS's peak of branches open at once in every batch."""
    for w in want:
        for h in have:
            if (h["EventType"], h.get("Id")) == (w["EventType"], w.get("Id")):
                apply_runner_gaps(w, h)
    key = lambda e: json.dumps(e, sort_keys=True)  # noqa: E731
    remaining = [key(h) for h in have]
    for i, w in enumerate(want):
        if key(w) in remaining:
            remaining.remove(key(w))
            continue
        same_op = [h for h in have if h.get("Id") == w.get("Id")
                   and h["EventType"] == w["EventType"]]
        c.first_event, c.expected_event = i, w
        c.got_event = same_op[0] if same_op else None
        c.differences.append(
            f"event {i + 1} of {len(want)} (durabox: {len(have)}; compared order-free): "
            f"expected {key(w)}, got {key(c.got_event) if c.got_event else 'no such event'}")
        break
    else:
        if remaining:
            c.differences.append(f"durabox records {len(remaining)} more event(s): {remaining[0]}")
    # AWS's peak is a race between its threads (1 to max_concurrency on a busy machine);
    # durabox admits as many as AWS's coordinator would, so it may show more, never fewer.
    want_peak, have_peak = peak_open_branches(want), peak_open_branches(have)
    if any(have_peak.get(batch, 0) < peak for batch, peak in want_peak.items()):
        c.differences.append(f"branches open at once (per batch operation id): AWS "
                             f"{want_peak}, durabox {have_peak} (fewer)")


def compare(case: str, expected: dict, got: dict) -> Comparison:
    c = Comparison(case, expected=expected, got=got)
    for key in ("Status", "Error"):
        if expected[key] != got[key]:
            c.differences.append(f"{key}: expected {expected[key]!r}, got {got[key]!r}")
    if parse_json(expected["Result"]) != parse_json(got["Result"]):
        c.differences.append(f"Result: expected {expected['Result']!r}, got {got['Result']!r}")
    want = [normalize(e) for e in expected["Events"]]
    have = [normalize(e) for e in got["Events"]]
    if case in handlers.CONCURRENT:
        compare_concurrent(c, want, have)
        return c
    for i in range(max(len(want), len(have))):
        w = want[i] if i < len(want) else None
        h = have[i] if i < len(have) else None
        if w is not None and h is not None:
            apply_runner_gaps(w, h)
        if w != h:
            c.first_event, c.expected_event, c.got_event = i, w, h
            c.differences.append(
                f"event {i + 1} of {len(want)} (durabox: {len(have)}): "
                f"expected {json.dumps(w, sort_keys=True)}, got {json.dumps(h, sort_keys=True)}")
            break
    return c


def event_line(event: dict | None) -> str:
    if event is None:
        return "(none)"
    return json.dumps(event, sort_keys=True)


# --- the report -----------------------------------------------------------------------


def write_report(comparisons: list[Comparison], known: dict[str, str], path: Path) -> None:
    """target/differential/python.md: per case, match or the first difference."""
    lines = [
        "# Differential tests, Python: AWS's testing runner vs durabox",
        "",
        "Generated by tests/differential/python (test_differential.py). The same handler source "
        "(handlers.py) runs in `aws-durable-execution-sdk-python-testing` 1.4.0 "
        "(`DurableFunctionTestRunner`, skipped time) and in durabox; status, result, error "
        "and every history event are compared (differential.py says what is left out).",
        "",
    ]
    matched = sum(c.matches for c in comparisons)
    lines += [f"{matched} of {len(comparisons)} cases match; "
              f"{len(comparisons) - matched} differ "
              f"({sum(1 for c in comparisons if not c.matches and c.case in known)} known).", "",
              "| case | mode | outcome | known difference |", "|---|---|---|---|"]
    for c in comparisons:
        outcome = "match" if c.matches else "**differs**"
        names = ", ".join(part.split(":")[0] for part in known[c.case].split("; ")) \
            if c.case in known else ""
        lines.append(f"| `{c.case}` | {handlers.CASES[c.case][0]} | {outcome} | {names} |")
    lines.append("")
    for c in comparisons:
        if c.matches:
            continue
        lines += [f"## `{c.case}`", ""]
        if c.case in known:
            lines += [f"Known: {known[c.case]}", ""]
        for d in c.differences:
            if d.startswith("event "):
                lines += [f"- first differing {d.split(': expected', 1)[0]}:", "",
                          "  expected (AWS):", "", f"  ```json\n  {event_line(c.expected_event)}\n  ```", "",
                          "  got (durabox):", "", f"  ```json\n  {event_line(c.got_event)}\n  ```", ""]
            else:
                lines.append(f"- {d}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def known_differences() -> dict[str, str]:
    """case -> the reasons it differs (known_differences.toml), joined."""
    import tomllib
    table = tomllib.loads((HERE / "known_differences.toml").read_text())
    reasons = table["reasons"]
    return {case: "; ".join(f"{r}: {reasons[r]}" for r in names)
            for case, names in table["cases"].items()}


REPORT = ROOT / "target/differential/python.md"


def build_component() -> None:
    """`durabox build handlers.py` (a no-op when nothing changed)."""
    done = subprocess.run([str(DURABOX), "build", str(HERE / "handlers.py"), "-o", str(COMPONENT)],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"durabox build failed:\n{done.stderr[-4000:]}")


def main(argv: list[str]) -> int:
    """`python differential.py [CASE...]`: runs the cases (all by default) in both runners,
    prints match/differs and writes target/differential/python.md."""
    import logging
    logging.disable(logging.CRITICAL)  # the AWS runner logs every failed attempt
    build_component()
    cases = argv or list(handlers.CASES)
    server = Server() if any(handlers.CASES[c][0] == "callback" for c in cases) else None
    comparisons = []
    try:
        for case in cases:
            c = compare(case, run_aws(case), run_durabox(case, server))
            comparisons.append(c)
            print(f"{case}: {'match' if c.matches else 'differs: ' + c.differences[0][:300]}")
    finally:
        if server:
            server.stop()
    write_report(comparisons, known_differences(), REPORT)
    print(f"report: {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
