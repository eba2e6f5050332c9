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

Requirements that chain-invoke other functions (a `ChainedInvoke*` event in their expected
history) cannot use `durabox run`, which takes one component and one environment. They are
checked against one `durabox serve --skip-time` started for the whole run, with every mapped
function and every `targets:` entry of the mapping registered (each with its own `env_var`
value), by the package's own `validate.validate_description` through boto3, as the server
harness does (ExpectedLogs are not checked there either). `--serve` sends every requirement
that way. Mapped requirements that are also listed under `not_implemented:` (handlers
that fail on a known host difference) are skipped unless named on the command line.

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
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import MappingProxyType
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


def needs_server(description: dict[str, Any]) -> bool:
    """True when the requirement chain-invokes another function (needs the targets)."""
    return any(
        str(event.get("EventType", "")).startswith("ChainedInvoke")
        for event in description.get("ExpectedExecutionHistory") or []
    )


class Server:
    """One `durabox serve --skip-time` with the mapped functions and targets registered,
    and the package's validator pointed at it through boto3."""

    def __init__(self, args: argparse.Namespace, mapping: dict[str, Any], ids: list[str]) -> None:
        import boto3
        from botocore.config import Config
        from aws_durable_execution_conformance_tests import sam
        from aws_durable_execution_conformance_tests.clients import AwsClients

        env_var = mapping["env_var"]
        functions = {str(k): v for k, v in (mapping.get("functions") or {}).items()}
        registered = {functions[i]: i for i in ids if i in functions}
        registered.update({str(k): str(v) for k, v in (mapping.get("targets") or {}).items()})
        lines = []
        for name, value in registered.items():
            lines += [
                f"[functions.{json.dumps(name)}]",
                f"component = {json.dumps(str(args.component))}",
                f"env = {{ {env_var} = {json.dumps(value)} }}",
            ]
        self._tmp = tempfile.TemporaryDirectory(prefix="durabox-conformance-")
        config = Path(self._tmp.name) / "functions.toml"
        config.write_text("\n".join(lines) + "\n")
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        log = open(Path(self._tmp.name) / "serve.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(args.durabox), "serve", "--config", str(config), "--port", str(port), "--skip-time"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"durabox serve did not start (log: {log.name})") from None
                time.sleep(0.2)
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        client = boto3.client(
            "lambda",
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{port}",
            config=Config(read_timeout=args.timeout + 30, retries={"max_attempts": 1}),
        )
        self.clients = AwsClients(MappingProxyType({"lambda": client}))

        class LocalInvoker(sam.Invoker):
            def _resolve_function(self, logical_id: str) -> str:
                return logical_id  # functions are registered under their own names

        self.invoker = LocalInvoker("local", region="us-east-1", lambda_client=client)

    def check(self, function: str, requirement_id: str, path: Path, dump: Path | None) -> tuple[str, list[str]]:
        # No CloudWatch here: the log assertions are left out, as offline.
        validate._validate_expected_logs = lambda **_: []
        output_dir = str(dump) if dump else self._tmp.name
        with contextlib.redirect_stdout(io.StringIO()):  # the validator's progress lines
            result = validate.validate_description(
                function, requirement_id, str(path), self.invoker, self._tmp.name, "us-east-1", self.clients,
                output_dir=output_dir,
            )
        return ("PASS" if result.passed else "FAIL"), list(result.errors)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._tmp.cleanup()


def check(
    args: argparse.Namespace, env_var: str, requirement_id: str, function: str, server: Server | None
) -> tuple[str, list[str]]:
    """Returns (verdict, messages); verdict is PASS, FAIL or SKIP."""
    path = find_requirement(requirement_id)
    if path is None:
        return "FAIL", [f"no requirement file {requirement_id}.yaml in {REQUIREMENTS}"]
    description = yaml.safe_load(path.read_text())
    if server is not None and (args.serve or needs_server(description)):
        if description.get("CallbackActions") and not args.serve:
            return "SKIP", ["async requirement with CallbackActions (needs --serve)"]
        verdict, messages = server.check(function, requirement_id, path, args.dump)
        if verdict == "PASS" and description.get("ExpectedLogs"):
            messages.append("ExpectedLogs (CloudWatch) not checked; history and result only")
        return verdict, ["(checked against durabox serve)"] + messages if verdict != "PASS" else messages
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
    parser.add_argument(
        "--serve",
        action="store_true",
        help="check every requirement against one `durabox serve --skip-time` (by default only the "
        "chained-invoke ones, which need the `targets:` functions)",
    )
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
    # A handler that is mapped but also listed under not_implemented (a known host difference)
    # is only checked when named on the command line.
    known = {str(k): str(v) for k, v in (mapping.get("not_implemented") or {}).items()}
    skipped = {} if args.ids else {i: known[i] for i in functions if i in known}
    ids = args.ids or sorted(functions, key=id_key)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    served = [
        i
        for i in ids
        if i in functions
        and i not in skipped
        and (args.serve or ((p := find_requirement(i)) is not None and needs_server(yaml.safe_load(p.read_text()))))
    ]
    server = Server(args, mapping, served) if served else None
    try:
        for requirement_id in ids:
            if requirement_id not in functions:
                verdict, messages = "FAIL", ["not in the mapping's functions"]
            elif requirement_id in skipped:
                verdict, messages = "SKIP", [f"not_implemented: {skipped[requirement_id]}"]
            else:
                verdict, messages = check(args, env_var, requirement_id, functions[requirement_id], server)
            counts[verdict] += 1
            print(f"{verdict} {requirement_id}", flush=True)
            for message in messages:
                print(f"    {message}", flush=True)
    finally:
        if server is not None:
            server.close()

    print(f"\n{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
