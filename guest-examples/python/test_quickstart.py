"""Testing a Python durable handler: run its component with `durabox run --json` (time is
skipped, so the 1 s wait costs nothing) and assert on the result and the history.

    cargo xtask build-guests        # builds target/guests/python/quickstart.wasm
    python -m pytest guest-examples/python/test_quickstart.py

DURABOX_BIN overrides the durabox binary (default target/debug/durabox).
"""

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DURABOX = os.environ.get("DURABOX_BIN", str(ROOT / "target/debug/durabox"))
QUICKSTART = ROOT / "target/guests/python/quickstart.wasm"


def run_handler(component: Path, event) -> dict:
    """Runs one execution to its end; returns {"Execution": ..., "Events": [...]}."""
    done = subprocess.run([DURABOX, "run", str(component), "--input", json.dumps(event), "--json"],
                          capture_output=True, text=True, check=False)
    assert done.stdout, f"durabox run printed nothing: {done.stderr}"
    return json.loads(done.stdout)


def test_quickstart_returns_each_steps_result():
    run = run_handler(QUICKSTART, "input str")
    execution = run["Execution"]
    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"]) == ["1 2", "3 4 4 3", "5 6"]
    assert not execution.get("DeterminismWarnings")


def test_quickstart_history_shows_the_steps_and_the_replay_after_the_wait():
    events = run_handler(QUICKSTART, "input str")["Events"]
    succeeded = [e["Name"] for e in events if e["EventType"] == "StepSucceeded"]
    assert succeeded == ["one", "two_1", "two_2", "three"]
    wait = next(e for e in events if e["EventType"] == "WaitStarted")
    assert wait["WaitStartedDetails"]["Duration"] == 1
    # The wait right after "one" ends the first invocation; the second replays "one" and the
    # wait, then runs the child context "two" and the step "three".
    types = [e["EventType"] for e in events]
    assert types.count("InvocationCompleted") == 2
    assert types.index("WaitStarted") < types.index("ContextStarted"), "the wait comes before two"
