"""Fixtures for the boto3 suite: `durabox serve` processes and Lambda clients pointed at them.

Three servers are started once per session (the last on first use), all with the
`quickstart` and `scenarios` guests:

* `server` runs with `--skip-time --fire-callback-timeouts`: waits and retry delays complete
  at once, and an execution idle on a callback jumps to its timeout within half a second.
* `holding_server` runs with `--skip-time` only: skipped time holds at a pending callback's
  timeout, so the callback stays answerable.
* `realtime_server` runs in real time. Tests that must act on an execution while it waits
  for outside input (callbacks, checkpoints, stop, pause, delete) use it.
* `tiny_server` (function scope) has one instance and no queue (`DURABOX_POOL_INSTANCES=1
  --max-queue 0`): one busy invocation and new executions are throttled.

Both listen on a free port (`--port 0`); the bound address is read from the
`durabox listening on http://HOST:PORT` line. Set DURABOX_BIN to use another binary.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
DURABOX = Path(os.environ.get("DURABOX_BIN", ROOT / "target" / "debug" / "durabox"))
GUESTS = ROOT / "target" / "guests" / "rust"
LISTENING = re.compile(r"durabox listening on (http://\S+)")
STARTUP_TIMEOUT = 60.0


class Server:
    """One `durabox serve` child process; its output is kept for failure messages."""

    def __init__(self, *extra_args: str, env: dict[str, str] | None = None) -> None:
        for path in (DURABOX, GUESTS / "quickstart.wasm", GUESTS / "scenarios.wasm"):
            if not path.exists():
                pytest.fail(
                    f"{path} is missing: run `cargo build -p durabox && cargo xtask build-guests`",
                    pytrace=False,
                )
        command = [
            str(DURABOX),
            "serve",
            "--port",
            "0",
            "--function",
            f"quickstart={GUESTS / 'quickstart.wasm'}",
            "--function",
            f"scenarios={GUESTS / 'scenarios.wasm'}",
            *extra_args,
        ]
        self.output: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(STARTUP_TIMEOUT) or self.url is None:
            self.stop()
            pytest.fail(
                f"durabox serve did not start ({' '.join(command)}):\n" + "".join(self.output),
                pytrace=False,
            )

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            match = LISTENING.search(line)
            if match and self.url is None:
                self.url = match.group(1)
                self._ready.set()
        self._ready.set()  # process exited

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def lambda_client(endpoint: str):
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


@pytest.fixture(scope="session")
def server():
    s = Server("--skip-time", "--fire-callback-timeouts")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def holding_server():
    s = Server("--skip-time")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def realtime_server(tmp_path_factory):
    logs = tmp_path_factory.mktemp("guest-logs")
    s = Server("--logs-dir", str(logs))
    s.logs_dir = logs
    yield s
    s.stop()


@pytest.fixture
def tiny_server():
    s = Server("--max-queue", "0", env={"DURABOX_POOL_INSTANCES": "1"})
    yield s
    s.stop()


@pytest.fixture(scope="session")
def client(server):
    """Client of the time-skipping server."""
    return lambda_client(server.url)


@pytest.fixture(scope="session")
def rt_client(realtime_server):
    """Client of the real-time server."""
    return lambda_client(realtime_server.url)


def pytest_report_header(config):
    import botocore

    return f"boto3 {boto3.__version__}, botocore {botocore.__version__}, durabox binary {DURABOX}"


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    """Polls `predicate` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
