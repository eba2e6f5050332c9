#!/usr/bin/env python3
"""Runs AWS's durable-execution conformance suite against a running durabox server.

Every requirement is judged by the conformance package's own code
(`aws_durable_execution_conformance_tests.validate.validate_description`: invoke, history
matching, result check, async polling with callback actions). Only the AWS-specific
plumbing around it is replaced:

* SAM deploy + `sam.Invoker`: `EndpointInvoker` has the same duck type (`invoke`,
  `invoke_async`, `stack_name`) and calls Lambda Invoke on the endpoint with boto3
  (Qualifier `$LATEST`, read timeout 900 s, a single attempt). The mapping file names the
  function registered for each requirement id.
* CloudWatch Logs: requirements asserting `ExpectedLogs` need CloudFormation and Logs.
  Without `--logs-dir` they are reported NOT_IMPLEMENTED. With `--logs-dir DIR` (the
  directory given to `durabox serve --logs-dir`) stand-in clients answer
  `describe_stack_resource` and `filter_log_events` from DIR/<function>.jsonl, and the
  package's `CloudWatchLogValidator` judges the events as it would CloudWatch's.

Mapping file (YAML):

    component: target/guests/rust/conformance.wasm   # used by serve.sh
    env_var: DURABOX_CONFORMANCE_FN                  # used by serve.sh
    functions: {"1-1": conformance-1-1, ...}         # requirement id -> registered function
    not_implemented: {"5-1": "reason", ...}          # reported, not run

Usage (from the repository root, with a server from tests/conformance/serve.sh):

    target/venv-conformance/bin/python tests/conformance/harness.py \\
        --endpoint http://127.0.0.1:9000 --mapping tests/conformance/rust.yaml \\
        --suites step,wait,child,callback,wait_for_callback --report target/conformance/rust.md

Exit status: 0 when no mapped, non-optional requirement of the selected suites failed;
1 otherwise; 2 on a usage error (bad mapping, unreachable endpoint, unknown suite).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shlex
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

import aws_durable_execution_conformance_tests as conformance
from aws_durable_execution_conformance_tests import validate
from aws_durable_execution_conformance_tests.clients import AwsClients
from aws_durable_execution_conformance_tests.sam import EventFileReader, InvocationResult, InvokeError

try:
    from aws_durable_execution_conformance_tests.__about__ import __version__ as PACKAGE_VERSION
except ImportError:  # pragma: no cover
    PACKAGE_VERSION = "unknown"

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS_DIR = Path(conformance.__file__).parent / "test_requirements"
STACK_NAME = "durabox"
NO_LOG_CAPTURE = "CloudWatch log assertions: no local log capture yet"

PASSED = "PASSED"
FAILED = "FAILED"
NOT_IMPLEMENTED = "NOT_IMPLEMENTED"


# region Clients


def lambda_client(endpoint: str, region: str):
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, read_timeout=900, connect_timeout=10),
    )


class EndpointInvoker:
    """Duck type of `sam.Invoker`: invokes the mapped function on the endpoint.

    `function_name` is the registered function (the mapping's value), so no
    CloudFormation lookup is needed. The output mirrors `sam.Invoker._invoke_boto3`.
    """

    def __init__(self, client) -> None:
        self._client = client

    @property
    def stack_name(self) -> str:
        return STACK_NAME

    def invoke(
        self, function_name: str, event_file_path: str | None = None, parameters: list[str] | None = None
    ) -> InvocationResult:
        invocation_type = "RequestResponse"
        for parameter in parameters or []:
            key, _, value = parameter.partition("=")
            if key != "InvocationType" or not value:
                raise InvokeError(function_name, f"unsupported invoke parameter '{parameter}'")
            invocation_type = value
        return self._invoke(function_name, event_file_path, invocation_type)

    def invoke_async(self, function_name: str, event_file_path: str | None = None) -> InvocationResult:
        return self._invoke(function_name, event_file_path, "Event")

    def _invoke(self, function_name: str, event_file_path: str | None, invocation_type: str) -> InvocationResult:
        payload: Any = {}
        if event_file_path is not None:
            payload = EventFileReader.extract_payload(EventFileReader.read(event_file_path))
        try:
            response = self._client.invoke(
                FunctionName=function_name,
                InvocationType=invocation_type,
                Qualifier="$LATEST",
                Payload=json.dumps(payload).encode(),
            )
            body = response["Payload"].read().decode() if "Payload" in response else ""
        except (BotoCoreError, ClientError, UnicodeDecodeError) as e:
            raise InvokeError(function_name, str(e)) from e
        arn = response.get("DurableExecutionArn") or response.get("ResponseMetadata", {}).get(
            "HTTPHeaders", {}
        ).get("x-amz-durable-execution-arn")
        output: dict[str, Any] = {"StatusCode": response.get("StatusCode"), "Payload": body}
        if arn:
            output["DurableExecutionArn"] = arn
        for key in ("ExecutedVersion", "FunctionError"):
            if response.get(key):
                output[key] = response[key]
        return InvocationResult(
            success=True,
            command=f"lambda.invoke {function_name} (InvocationType={invocation_type})",
            output=json.dumps(output),
            stderr="",
            function_name=function_name,
        )


class LocalCloudFormation:
    """Answers the one CloudFormation call the log retriever makes: the physical name of
    a function is the registered name."""

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict:  # noqa: N803
        return {
            "StackResourceDetail": {
                "StackName": StackName,
                "LogicalResourceId": LogicalResourceId,
                "PhysicalResourceId": LogicalResourceId,
                "ResourceType": "AWS::Lambda::Function",
            }
        }


class LocalLogs:
    """`filter_log_events` over the files `durabox serve --logs-dir DIR` writes:
    DIR/<function>.jsonl, one `{"timestamp", "ingestionTime", "message"}` event a line.

    Supports the filter pattern the package sends,
    `{ ($.durableExecutionArn = "ARN") || ($.executionArn = "ARN") }`, by comparing those
    fields of the JSON message with the ARN."""

    _ARN_IN_PATTERN = re.compile(r'\$\.(?:durableExecutionArn|executionArn) = "((?:[^"\\]|\\.)*)"')

    def __init__(self, logs_dir: Path) -> None:
        self._dir = logs_dir

    def filter_log_events(
        self,
        logGroupName: str,  # noqa: N803
        startTime: int | None = None,  # noqa: N803
        endTime: int | None = None,  # noqa: N803
        filterPattern: str | None = None,  # noqa: N803
        nextToken: str | None = None,  # noqa: N803
        **_: Any,
    ) -> dict:
        function = logGroupName.removeprefix("/aws/lambda/")
        path = self._dir / f"{function}.jsonl"
        arns: set[str] = set()
        if filterPattern:
            arns = {m.replace('\\"', '"').replace("\\\\", "\\") for m in self._ARN_IN_PATTERN.findall(filterPattern)}
        events: list[dict] = []
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue
                timestamp = int(event.get("timestamp", 0))
                if startTime is not None and timestamp < startTime:
                    continue
                if endTime is not None and timestamp > endTime:
                    continue
                if arns:
                    try:
                        message = json.loads(event.get("message", ""))
                    except json.JSONDecodeError:
                        continue
                    if not isinstance(message, dict) or not (
                        message.get("durableExecutionArn") in arns or message.get("executionArn") in arns
                    ):
                        continue
                events.append(
                    {
                        "logStreamName": f"durabox/{function}",
                        "timestamp": timestamp,
                        "ingestionTime": int(event.get("ingestionTime", timestamp)),
                        "message": event.get("message", ""),
                        "eventId": str(number),
                    }
                )
        return {"events": events, "searchedLogStreams": []}


# endregion


# region Requirements


@dataclass
class Requirement:
    id: str
    suite: str
    path: str
    description: str
    has_logs: bool
    optional: bool


@dataclass
class Outcome:
    requirement: Requirement
    status: str
    detail: str = ""
    function: str | None = None
    seconds: float = 0.0


def id_key(requirement_id: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in requirement_id.split("-"))


def load_requirements(suites: list[str]) -> list[Requirement]:
    requirements = []
    for requirement_id, path in validate.discover_test_files(REQUIREMENTS_DIR, suites).items():
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        requirements.append(
            Requirement(
                id=requirement_id,
                suite=Path(path).relative_to(REQUIREMENTS_DIR).parts[0],
                path=path,
                description=str(data.get("description") or data.get("Description") or "").strip(),
                has_logs=bool(data.get("ExpectedLogs")),
                optional=bool(data.get("optional", False)),
            )
        )
    return sorted(requirements, key=lambda r: id_key(r.id))


def load_mapping(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    functions = {str(k): str(v) for k, v in (data.get("functions") or {}).items()}
    not_implemented = {str(k): str(v) for k, v in (data.get("not_implemented") or {}).items()}
    return {"functions": functions, "not_implemented": not_implemented}


# endregion


# region Running


def first_error(errors: list[str]) -> str:
    if not errors:
        return "failed without an error message"
    text = " ".join(str(errors[0]).split())
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return (text[:400] + "…" if len(text) > 400 else text) + more


def run_one(
    requirement: Requirement,
    function: str,
    invoker: EndpointInvoker,
    aws_clients: AwsClients,
    tmp_dir: str,
    region: str,
    output_dir: str,
) -> Outcome:
    started = time.monotonic()
    try:
        result = validate.validate_description(
            function,
            requirement.id,
            requirement.path,
            invoker,
            tmp_dir,
            region,
            aws_clients,
            output_dir,
        )
    except Exception as e:  # a crash in one requirement must not end the run
        return Outcome(requirement, FAILED, f"harness error: {type(e).__name__}: {e}", function,
                       time.monotonic() - started)
    elapsed = time.monotonic() - started
    if result.passed:
        return Outcome(requirement, PASSED, "", function, elapsed)
    return Outcome(requirement, FAILED, first_error(result.errors), function, elapsed)


def check_endpoint(endpoint: str) -> None:
    url = endpoint.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
    except OSError as e:
        raise SystemExit(f"harness: endpoint {endpoint} is not reachable ({e})") from e


# endregion


# region Report


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def write_report(path: Path, outcomes: list[Outcome], suites: list[str], command: str, endpoint: str,
                 mapping: str, elapsed: float) -> None:
    lines = [
        f"# Conformance ({Path(mapping).stem} guests): AWS durable-execution conformance suite against durabox",
        "",
        f"Package `aws-durable-execution-conformance-tests` {PACKAGE_VERSION}; judged by its own "
        "`validate.validate_description` (history matcher, result check, async polling and callback "
        "actions). Only SAM deploy/invoke is replaced (boto3 Invoke on the durabox endpoint)"
        + (", and CloudWatch Logs by the server's `--logs-dir` capture." if "--logs-dir" in command else "."),
        "",
        f"- Produced by: `{command}`",
        f"- Endpoint: {endpoint}; mapping: `{mapping}`",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; wall time {elapsed:.0f} s",
        "",
        "## Counts",
        "",
        "| suite | passed | failed | not implemented | total |",
        "|---|---|---|---|---|",
    ]
    totals = [0, 0, 0, 0]
    for suite in suites:
        rows = [o for o in outcomes if o.requirement.suite == suite]
        counts = [
            sum(o.status == PASSED for o in rows),
            sum(o.status == FAILED for o in rows),
            sum(o.status == NOT_IMPLEMENTED for o in rows),
            len(rows),
        ]
        totals = [a + b for a, b in zip(totals, counts)]
        lines.append(f"| {suite} | " + " | ".join(map(str, counts)) + " |")
    lines.append("| **total** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    lines += [
        "",
        "## Requirements",
        "",
        "| id | suite | description | result |",
        "|---|---|---|---|",
    ]
    for o in outcomes:
        if o.status == PASSED:
            result = "PASSED"
        elif o.status == FAILED:
            optional = " (optional)" if o.requirement.optional else ""
            result = f"FAILED{optional}: {o.detail}"
        else:
            result = f"NOT_IMPLEMENTED: {o.detail}"
        lines.append(f"| {o.requirement.id} | {o.requirement.suite} | {cell(o.requirement.description)} | {cell(result)} |")
    lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


# endregion


def display_command(argv: list[str]) -> str:
    """The command line as typed from the current directory (interpreter included)."""

    def relative(path: str) -> str:
        try:
            return str(Path(path).absolute().relative_to(Path.cwd()))
        except ValueError:
            return path

    return shlex.join([relative(sys.executable), relative(argv[0]), *argv[1:]])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="durabox serve URL, e.g. http://127.0.0.1:9000")
    parser.add_argument("--mapping", required=True, type=Path, help="mapping YAML (e.g. tests/conformance/rust.yaml)")
    parser.add_argument("--suites", default="step,wait,child,callback,wait_for_callback",
                        help="comma-separated suite folders, or 'all'")
    parser.add_argument("--report", type=Path, default=Path("target/conformance/report.md"))
    parser.add_argument("--only", default="", help="comma-separated requirement ids to run (others are left out)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--logs-dir", type=Path, default=None,
                        help="the server's --logs-dir: check ExpectedLogs from its capture")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "target" / "conformance" / "output",
                        help="where the validator saves each requirement's history")
    args = parser.parse_args(argv[1:])

    available = validate.discover_suites(REQUIREMENTS_DIR)
    suites = available if args.suites.strip() == "all" else [s.strip() for s in args.suites.split(",") if s.strip()]
    unknown = [s for s in suites if s not in available]
    if unknown:
        print(f"harness: unknown suite(s) {unknown}; available: {available}", file=sys.stderr)
        return 2
    try:
        mapping = load_mapping(args.mapping)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"harness: cannot read mapping: {e}", file=sys.stderr)
        return 2
    check_endpoint(args.endpoint)

    requirements = load_requirements(suites)
    if args.only:
        wanted = {s.strip() for s in args.only.split(",")}
        requirements = [r for r in requirements if r.id in wanted]

    client = lambda_client(args.endpoint, args.region)
    clients: dict[str, Any] = {"lambda": client}
    if args.logs_dir is not None:
        clients["cloudformation"] = LocalCloudFormation()
        clients["logs"] = LocalLogs(args.logs_dir)
    aws_clients = AwsClients(MappingProxyType(clients))
    invoker = EndpointInvoker(client)

    outcomes: dict[str, Outcome] = {}
    to_run: list[tuple[Requirement, str]] = []
    for r in requirements:
        if r.id in mapping["not_implemented"]:
            outcomes[r.id] = Outcome(r, NOT_IMPLEMENTED, mapping["not_implemented"][r.id])
        elif r.id not in mapping["functions"]:
            outcomes[r.id] = Outcome(r, NOT_IMPLEMENTED, "no handler in the mapping")
        elif r.has_logs and args.logs_dir is None:
            outcomes[r.id] = Outcome(r, NOT_IMPLEMENTED, NO_LOG_CAPTURE)
        else:
            to_run.append((r, mapping["functions"][r.id]))

    print(f"harness: {len(to_run)} requirement(s) to run on {args.endpoint} with {args.workers} worker(s); "
          f"{len(outcomes)} not implemented", flush=True)
    started = time.monotonic()
    print_lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="durabox-conformance-") as tmp_dir, \
            ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = {
            pool.submit(run_one, r, fn, invoker, aws_clients, tmp_dir, args.region, str(args.output_dir)): r
            for r, fn in to_run
        }
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[outcome.requirement.id] = outcome
            with print_lock:
                tail = f": {outcome.detail}" if outcome.status == FAILED else ""
                print(f"harness: {outcome.requirement.id} {outcome.status} ({outcome.seconds:.1f} s){tail}", flush=True)
    elapsed = time.monotonic() - started

    ordered = [outcomes[r.id] for r in requirements]
    write_report(args.report, ordered, suites, display_command(argv), args.endpoint, str(args.mapping), elapsed)

    failed = [o for o in ordered if o.status == FAILED and not o.requirement.optional]
    optional_failed = [o for o in ordered if o.status == FAILED and o.requirement.optional]
    passed = sum(o.status == PASSED for o in ordered)
    skipped = sum(o.status == NOT_IMPLEMENTED for o in ordered)
    print(f"harness: report written to {args.report}")
    if optional_failed:
        print("harness: optional requirements failed: " + ", ".join(o.requirement.id for o in optional_failed))
    if failed:
        print("harness: FAILED: " + ", ".join(o.requirement.id for o in failed))
    # The plain closing line: N passed, N failed (, N skipped).
    print(f"conformance: {passed} passed, {len(failed) + len(optional_failed)} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
