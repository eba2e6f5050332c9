#!/usr/bin/env python3
"""Offline check of the Rust conformance handlers, without an HTTP server.

For every synchronous requirement (no `AsyncInvoke: true`) in the mapping, runs

    durabox run <component> --env <env_var>=<id> --input '<YAML Input as JSON>' --json

and judges the printed `Events` and `Execution` with the conformance package's own code:
`history.EventHistoryMatcher` for `ExpectedExecutionHistory`, then the validator's result
check (status, and `json.loads(Result)` against `ExpectedResult.Result` after placeholder
substitution). `ExpectedLogs` (CloudWatch) are not checked: such requirements get a note.
With `--include-async`, async requirements that need no external callback action (callback
timeouts, history-only waits) are checked the same way; the others are skipped.

Setup (from the repository root):

    python3 -m venv target/conformance-venv
    target/conformance-venv/bin/pip install --ignore-requires-python --no-deps \\
        aws-durable-execution-conformance-tests==1.0.0
    target/conformance-venv/bin/pip install boto3 pyyaml packaging
    cargo build -p durabox && cargo xtask build-guests
    target/conformance-venv/bin/python tests/conformance/offline_check.py [ID ...]

Exit status: 0 when every checked requirement passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

import aws_durable_execution_conformance_tests as conformance
from aws_durable_execution_conformance_tests import validate
from aws_durable_execution_conformance_tests.history import EventHistoryMatcher
from aws_durable_execution_conformance_tests.variables import PlaceholderContext

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(conformance.__file__).parent / "test_requirements"


def id_key(requirement_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in requirement_id.split("-"))


def find_requirement(requirement_id: str) -> Path | None:
    matches = sorted(REQUIREMENTS.glob(f"*/{requirement_id}.yaml"))
    return matches[0] if matches else None


class ExecutionClient:
    """Stands in for the Lambda client: answers GetDurableExecution with `durabox run`'s
    `Execution`, so the validator's own result check can be reused."""

    def __init__(self, execution: dict[str, Any]) -> None:
        self._execution = execution

    def get_durable_execution(self, DurableExecutionArn: str) -> dict[str, Any]:  # noqa: N803
        return self._execution


def run_durabox(args: argparse.Namespace, env_var: str, requirement_id: str, payload: str) -> dict[str, Any]:
    command = [
        str(args.durabox),
        "run",
        str(args.component),
        "--env",
        f"{env_var}={requirement_id}",
        "--input",
        payload,
        "--json",
        "--timeout",
        str(args.timeout),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout + 30, check=False)
    try:
        output = json.loads(done.stdout)
    except json.JSONDecodeError:
        stderr = done.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"durabox exited {done.returncode} without JSON output: {' | '.join(stderr)}") from None
    if not isinstance(output, dict) or "Events" not in output or "Execution" not in output:
        raise RuntimeError(f"durabox printed no Events/Execution (exit {done.returncode})")
    return output


def check(args: argparse.Namespace, env_var: str, requirement_id: str) -> tuple[str, list[str]]:
    """Returns (verdict, messages); verdict is PASS, FAIL or SKIP."""
    path = find_requirement(requirement_id)
    if path is None:
        return "FAIL", [f"no requirement file {requirement_id}.yaml in {REQUIREMENTS}"]
    description = yaml.safe_load(path.read_text())
    if description.get("AsyncInvoke", False):
        if description.get("CallbackActions"):
            return "SKIP", ["async requirement with CallbackActions (needs the HTTP server)"]
        if not args.include_async:
            return "SKIP", ["async requirement (needs the HTTP server; --include-async runs it here)"]

    context = PlaceholderContext()
    context.resolve_variables(description.get("Variables"))
    payload = json.dumps(context.substitute(description.get("Input")))

    try:
        output = run_durabox(args, env_var, requirement_id, payload)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return "FAIL", [str(e)]
    events = output["Events"]
    execution = output["Execution"]
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        (args.dump / f"{requirement_id}.json").write_text(json.dumps(output, indent=2))

    expected = description.get("ExpectedExecutionHistory")
    if not expected:
        return "FAIL", ["no ExpectedExecutionHistory in the requirement"]
    result = EventHistoryMatcher(context=context).match(expected, events)
    if not result.success:
        return "FAIL", result.errors

    expected_result = description.get("ExpectedResult")
    if expected_result:
        errors = validate._validate_execution_result(  # the validator's own check
            execution_arn=execution.get("DurableExecutionArn", ""),
            expected_result=expected_result,
            context=context,
            lambda_client=ExecutionClient(execution),
        )
        if errors:
            return "FAIL", errors

    notes = []
    if description.get("ExpectedLogs"):
        notes.append("ExpectedLogs (CloudWatch) not checked offline; history and result only")
    return "PASS", notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ids", nargs="*", help="requirement ids to check (default: every mapped one)")
    parser.add_argument("--mapping", type=Path, default=ROOT / "tests/conformance/rust.yaml")
    parser.add_argument("--durabox", type=Path, default=ROOT / "target/debug/durabox")
    parser.add_argument("--component", type=Path, help="default: the mapping's `component`")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per execution")
    parser.add_argument(
        "--include-async",
        action="store_true",
        help="also check async requirements without CallbackActions (timeouts, history-only waits): "
        "`durabox run` skips time, so they run to the end here",
    )
    parser.add_argument("--dump", type=Path, help="write each run's JSON output to DIR/<id>.json")
    args = parser.parse_args()

    mapping = yaml.safe_load(args.mapping.read_text())
    env_var = mapping["env_var"]
    if args.component is None:
        args.component = ROOT / mapping["component"]
    for tool in (args.durabox, args.component):
        if not tool.is_file():
            print(f"missing {tool} (cargo build -p durabox; cargo xtask build-guests)", file=sys.stderr)
            return 2

    functions = {str(k): v for k, v in (mapping.get("functions") or {}).items()}
    ids = args.ids or sorted(functions, key=id_key)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for requirement_id in ids:
        if requirement_id not in functions:
            verdict, messages = "FAIL", ["not in the mapping's functions"]
        else:
            verdict, messages = check(args, env_var, requirement_id)
        counts[verdict] += 1
        print(f"{verdict} {requirement_id}", flush=True)
        for message in messages:
            print(f"    {message}", flush=True)

    print(f"\n{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped (async)")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
