"""A new user's first hour, as the guides describe it ("Testing your AWS handler"):
untouched AWS-style handlers (the Python quickstart guest-examples/python/quickstart/app.py,
written exactly as for AWS, and the TypeScript one in tests/user_project/ts/)
are copied into a temporary folder outside the checkout and built and run there with a
copy of the durabox binary, a fresh HOME and so an empty durabox cache, through the
documented commands only:

    durabox build app.py -o a.wasm
    durabox build quickstart-ts -o b.wasm
    durabox run a.wasm --json

The expected history is not written here: the same Python handler source runs in AWS's
official testing runner (aws-durable-execution-sdk-python-testing, skipped time), and
durabox must record the same events (type, operation id, name, subtype, parent) and
result. The TypeScript handler must record the same events with the ids AWS's JS SDK
derives (md5 of the plain step id, 16 hex characters: `@aws/durable-execution-sdk-js`
2.4.0 `hashId`).

Environment: DURABOX_BIN (the binary to copy; default target/debug/durabox). Downloads of
pip and npm are cached in target/ (PIP_CACHE_DIR, npm_config_cache) to spare the
registries; durabox's own cache starts empty.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent
PYTHON_HANDLER = ROOT / "guest-examples/python/quickstart/app.py"


@pytest.fixture(scope="module")
def user():
    """A temporary folder outside the checkout with the installed binary, a fresh HOME
    and copies of the handlers; yields a function running `durabox ARGS` there."""
    base = Path(tempfile.mkdtemp(prefix="durabox-newuser-")).resolve()
    assert ROOT not in base.parents, f"{base} is inside the checkout {ROOT}"
    binary = Path(os.environ.get("DURABOX_BIN", ROOT / "target/debug/durabox"))
    (base / "bin").mkdir()
    shutil.copy2(binary, base / "bin/durabox")
    work = base / "work"
    work.mkdir()
    shutil.copy2(PYTHON_HANDLER, work / "app.py")
    shutil.copytree(FIXTURES / "ts", work / "quickstart-ts",
                    ignore=shutil.ignore_patterns("node_modules"))
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DURABOX_", "XDG_", "CARGO", "VIRTUAL_ENV", "npm_"))
    }
    # The user's Rust toolchain stays where rustup put it (durabox's own state does not).
    real_home = Path(os.environ.get("HOME", "/root"))
    env.setdefault("RUSTUP_HOME", str(real_home / ".rustup"))
    env["CARGO_HOME"] = os.environ.get("CARGO_HOME", str(real_home / ".cargo"))
    env.update({
        "HOME": str(base / "home"),
        "PATH": f"{base / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "PIP_CACHE_DIR": str(ROOT / "target/pip-cache"),
        "npm_config_cache": str(ROOT / "target/npm-cache"),
    })

    def durabox(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(["durabox", *args], cwd=work, env=env, text=True,
                              capture_output=True, timeout=1800)
        if check and done.returncode != 0:
            pytest.fail(f"durabox {' '.join(args)} exited {done.returncode}:\n"
                        f"{done.stderr[-4000:]}")
        return done

    yield durabox, work, base / "home"
    shutil.rmtree(base, ignore_errors=True)


def aws_history(handler_file: Path, payload):
    """Runs the handler in AWS's testing runner; returns (result JSON, events)."""
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

    spec = importlib.util.spec_from_file_location("aws_user_app", handler_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with DurableFunctionTestRunner(handler=module.handler) as runner:
        arn = runner.run_async(input=json.dumps(payload))
        result = runner.wait_for_result(arn, timeout=60)
        history = runner.get_execution_history(arn, include_execution_data=True).to_dict()
    assert result.status.value == "SUCCEEDED", result.error
    return result.result, history["Events"]


def identity(event: dict) -> tuple:
    """What both runners must agree on per event (the execution's own id and name differ
    by construction: they name two executions)."""
    if event["EventType"].startswith("Execution"):
        return (event["EventType"],)
    return (event["EventType"], event.get("Id"), event.get("Name"), event.get("SubType"),
            event.get("ParentId"))


def js_id(step_id: str) -> str:
    return hashlib.md5(step_id.encode()).hexdigest()[:16]


def python_to_js_ids(events: list[dict]) -> dict[str, str]:
    """Python SDK id → JS SDK id for every operation, from the AWS runner's own history:
    a plain step id is the operation's position among its parent's operations."""
    plain: dict[str, str] = {}
    counters: dict[str | None, int] = {}
    for event in events:
        op_id = event.get("Id")
        if not op_id or event["EventType"].startswith(("Execution", "Invocation")):
            continue
        if op_id in plain:
            continue
        parent = event.get("ParentId")
        counters[parent] = counters.get(parent, 0) + 1
        prefix = plain.get(parent)
        plain[op_id] = f"{prefix}-{counters[parent]}" if prefix else str(counters[parent])
    return {op_id: js_id(step_id) for op_id, step_id in plain.items()}


def test_python_handler_builds_and_runs_as_in_aws(user):
    durabox, work, home = user
    built = durabox("build", "app.py", "-o", "a.wasm")
    assert "built" in built.stderr and (work / "a.wasm").is_file()
    assert (home / ".cache/durabox").is_dir(), "the cache lives under the fresh HOME"
    run = json.loads(durabox("run", "a.wasm", "--input", '"input str"', "--json").stdout)

    aws_result, aws_events = aws_history(PYTHON_HANDLER, "input str")
    assert run["Execution"]["Status"] == "SUCCEEDED"
    assert json.loads(run["Execution"]["Result"]) == json.loads(aws_result)
    assert len(aws_events) == 16
    assert [identity(e) for e in run["Events"]] == [identity(e) for e in aws_events]

    # Unchanged inputs: the second build comes from the build cache.
    again = durabox("build", "app.py", "-o", "a.wasm")
    assert "up to date" in again.stderr, again.stderr


def test_typescript_handler_builds_and_runs_with_js_sdk_ids(user):
    durabox, work, _ = user
    built = durabox("build", "quickstart-ts", "-o", "b.wasm")
    assert "built" in built.stderr and (work / "b.wasm").is_file()
    run = json.loads(durabox("run", "b.wasm", "--input", '"input str"', "--json").stdout)

    aws_result, aws_events = aws_history(PYTHON_HANDLER, "input str")
    to_js = python_to_js_ids(aws_events)
    expected = []
    for event in aws_events:
        event = dict(event)
        for field in ("Id", "ParentId"):
            if event.get(field) in to_js:
                event[field] = to_js[event[field]]
        expected.append(identity(event))
    assert run["Execution"]["Status"] == "SUCCEEDED"
    assert json.loads(run["Execution"]["Result"]) == json.loads(aws_result)
    assert [identity(e) for e in run["Events"]] == expected


def test_python_requirements_are_bundled(user):
    """A pure-Python dependency from requirements.txt is importable in the component; the
    AWS SDK line is skipped (the embedded SDK answers its imports)."""
    durabox, work, _ = user
    project = work / "with-deps"
    project.mkdir(exist_ok=True)
    (project / "requirements.txt").write_text(
        "aws-durable-execution-sdk-python==3.0.0\nsix==1.17.0\n")
    (project / "handler.py").write_text(
        "import six\n"
        "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n\n"
        "@durable_execution\n"
        "def handler(event: dict, context: DurableContext) -> str:\n"
        "    return context.step(lambda _: six.ensure_str(b'bundled'), name='dep')\n")
    durabox("build", "with-deps", "-o", "deps.wasm")
    run = json.loads(durabox("run", "deps.wasm", "--json").stdout)
    assert run["Execution"]["Status"] == "SUCCEEDED", run["Execution"]
    assert json.loads(run["Execution"]["Result"]) == "bundled"


RUST_MANIFEST = """[package]
name = "my-quickstart"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
durabox-sdk = "0.1"
serde_json = "1"
"""


def test_rust_handler_builds_without_repository_paths(user):
    """The guide's Rust project: `durabox-sdk = "0.1"` resolves to the SDK inside the
    binary. Rust guests follow the Python SDK's ids, so AWS's Python history is expected."""
    durabox, work, _ = user
    project = work / "rust-quickstart"
    (project / "src").mkdir(parents=True, exist_ok=True)
    (project / "Cargo.toml").write_text(RUST_MANIFEST)
    shutil.copy2(ROOT / "guest-examples/rust/quickstart/src/lib.rs", project / "src/lib.rs")
    built = durabox("build", "rust-quickstart", "-o", "c.wasm")
    assert "built" in built.stderr, built.stderr
    run = json.loads(durabox("run", "c.wasm", "--input", '"input str"', "--json").stdout)
    aws_result, aws_events = aws_history(PYTHON_HANDLER, "input str")
    assert run["Execution"]["Status"] == "SUCCEEDED"
    assert json.loads(run["Execution"]["Result"]) == json.loads(aws_result)
    assert [identity(e) for e in run["Events"]] == [identity(e) for e in aws_events]


def test_replay_gate_checks_code_against_an_aws_history(user):
    """`durabox replay`: a history recorded by AWS's official Python runner for the seed
    handler (printed as boto3 prints it) replays clean against the seed built with
    `durabox build` and against the bundled Rust quickstart; moving the wait after the
    child context is caught at the first divergent operation."""
    durabox, work, _ = user
    durabox("build", "app.py", "-o", "a.wasm")
    _, aws_events = aws_history(PYTHON_HANDLER, "input str")
    (work / "aws-history.json").write_text(json.dumps({"Events": aws_events}, default=str))
    shutil.copy2(ROOT / "target/guests/rust/quickstart.wasm", work / "rust-quickstart.wasm")

    for component in ("a.wasm", "rust-quickstart.wasm"):
        clean = durabox("replay", component, "--history", "aws-history.json")
        assert "reproduced (6 of 6 recorded operations); the result matches" in clean.stdout

    moved = (work / "app.py").read_text().replace(
        "    context.wait(Duration.from_seconds(1))\n"
        "    result_two = context.run_in_child_context(two())\n",
        "    result_two = context.run_in_child_context(two())\n"
        "    context.wait(Duration.from_seconds(1))\n")
    assert moved != (work / "app.py").read_text()
    (work / "moved.py").write_text(moved)
    durabox("build", "moved.py", "-o", "moved.wasm")
    diverged = durabox("replay", "moved.wasm", "--history", "aws-history.json", check=False)
    assert diverged.returncode == 1, diverged.stderr
    wait_id = next(e["Id"] for e in aws_events if e["EventType"] == "WaitStarted")
    assert f"DIVERGED at operation #2 (id {wait_id})" in diverged.stdout, diverged.stdout
    assert "expected: WAIT (subtype Wait" in diverged.stdout
    assert "got:      CONTEXT (subtype RunInChildContext, name 'two'" in diverged.stdout

    # A folder of histories is a CI gate: an unfinished one (cut at the first suspension)
    # replays clean too; one divergent history fails the whole run.
    gate = work / "histories"
    gate.mkdir(exist_ok=True)
    first_invocation = aws_events[:[e["EventType"] for e in aws_events].index(
        "InvocationCompleted") + 1]
    (gate / "suspended.json").write_text(json.dumps({"Events": first_invocation}, default=str))
    shutil.copy2(work / "aws-history.json", gate / "finished.json")
    folder = durabox("replay", "a.wasm", "--history", "histories")
    assert "2 of 2 histories reproduced" in folder.stdout, folder.stdout
    assert durabox("replay", "moved.wasm", "--history", "histories",
                   check=False).returncode == 1
    (gate / "broken.json").write_text('{"Operations": []}')
    unreadable = durabox("replay", "a.wasm", "--history", "histories", check=False)
    assert unreadable.returncode == 2 and 'no "Events" list' in unreadable.stderr


QUICKSTART_SCENARIOS = """\
# The seed quickstart from its Python source (built through durabox build's cache).
Handler: ../app.py
Input: "input str"
Scenarios:
  - Name: succeeds with every step's result
    ExpectedResult:
      ExecutionStatus: SUCCEEDED
      Result: ["1 2", "3 4 4 3", "5 6"]
    ExpectedExecutionHistory:
      - {EventType: StepSucceeded, Name: one, StepSucceededDetails: {Result: {Payload: "1 2"}}}
      - {EventType: WaitSucceeded}
      - {EventType: ContextSucceeded, Name: two}
  - Name: a mocked step changes the result
    Mocks:
      Steps:
        two/two_1: {Result: "mocked"}
    ExpectedResult: {Result: ["1 2", "mocked 4 3", "5 6"]}
  - Name: the wait holds until the clock passes it
    Clock:
      - Expect: {ExecutionStatus: RUNNING}
      - Advance: 0.999
      - Expect: {ExecutionStatus: RUNNING}
      - Advance: 1ms
    ExpectedResult: {ExecutionStatus: SUCCEEDED}
"""

APPROVAL_SCENARIOS = """\
Handler: ../approval.py
Input: {order: 7}
Scenarios:
  - Name: approved
    CallbackActions:
      - {CallbackName: approval, Action: SUCCEED, Payload: {ok: true}}
    # AWS's SDK hands the callback's result over as the raw JSON text.
    ExpectedResult: {ExecutionStatus: SUCCEEDED, Result: {order: 7, approval: '{"ok":true}'}}
  - Name: rejected
    CallbackActions:
      - {CallbackName: approval, Action: FAIL, Payload: {ErrorType: Rejected, ErrorMessage: no}}
    ExpectedResult: {ExecutionStatus: FAILED, Error: {ErrorMessage: no}}
  - Name: times out after an hour on the manual clock
    Clock:
      - Advance: 59m 59s
      - Expect: {ExecutionStatus: RUNNING}
      - Advance: 1s
    ExpectedResult: {ExecutionStatus: FAILED}
    ExpectedExecutionHistory:
      - {EventType: CallbackTimedOut, Name: approval}
"""

WRONG_SCENARIO = """\
Handler: ../app.py
Input: "input str"
ExpectedResult: {Result: ["1 2"]}
ExpectedExecutionHistory:
  - {EventType: StepSucceeded, Name: three}
  - {EventType: StepSucceeded, Name: one}
"""


def test_scenario_folder_runs_with_junit_and_coverage(user):
    """`durabox test DIR`: YAML scenarios with mocks, scripted callbacks and manual
    clock steps run against the user's handler sources; the JUnit report reads with
    junitparser (what CI report publishers use); a wrong expectation fails by name."""
    from junitparser import Failure, JUnitXml

    durabox, work, _ = user
    shutil.copy2(ROOT / "tests/bindings_python/approval.py", work / "approval.py")
    folder = work / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / "quickstart.yaml").write_text(QUICKSTART_SCENARIOS)
    (folder / "approval.yaml").write_text(APPROVAL_SCENARIOS)
    passed = durabox("test", "scenarios", "--junit", "report.xml", "--coverage",
                     "--coverage-json", "coverage.json")
    assert "6 passed, 0 failed" in passed.stdout, passed.stdout
    report = JUnitXml.fromfile(str(work / "report.xml"))
    cases = {case.name: case for suite in report for case in suite}
    assert len(cases) == 6 and all(case.is_passed for case in cases.values()), cases
    assert "times out after an hour on the manual clock" in cases

    coverage = json.loads((work / "coverage.json").read_text())
    approval = next(v for k, v in coverage["handlers"].items() if k.endswith("approval.py"))
    assert approval["callbacks"] == {"CALLBACK approval": ["FAILED", "SUCCEEDED", "TIMED_OUT"]}
    assert "callback: CALLBACK approval: FAILED, SUCCEEDED, TIMED_OUT" in passed.stdout

    (folder / "wrong.yaml").write_text(WRONG_SCENARIO)
    failed = durabox("test", "scenarios", "--junit", "report.xml", check=False)
    assert failed.returncode == 1, failed.stdout
    assert "wrong.yaml :: wrong ... FAILED" in failed.stdout, failed.stdout
    assert 'result: expected ["1 2"], got ["1 2","3 4 4 3","5 6"]' in failed.stdout
    assert "expected history event 2 not found after history event" in failed.stdout
    report = JUnitXml.fromfile(str(work / "report.xml"))
    wrong = next(case for suite in report for case in suite if case.name == "wrong")
    assert isinstance(wrong.result[0], Failure)
    assert wrong.result[0].message.startswith("result: expected")


def test_bad_input_is_named(user):
    durabox, work, _ = user
    (work / "broken").mkdir(exist_ok=True)
    (work / "broken/handler.ts").write_text("export const handler = (;\n")
    failed = durabox("build", "broken", check=False)
    assert failed.returncode != 0
    assert "handler.ts:1:" in failed.stderr, failed.stderr
    (work / "notes").mkdir(exist_ok=True)
    (work / "notes/README.md").write_text("no handler here\n")
    unknown = durabox("build", "notes", check=False)
    assert unknown.returncode != 0 and "cannot tell the language" in unknown.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
