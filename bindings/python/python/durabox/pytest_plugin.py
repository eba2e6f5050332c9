"""The pytest plugin of the `durabox` package (registered through its `pytest11` entry
point): the `durable_runner` fixture.

    def test_order(durable_runner):
        runner = durable_runner("app.py")          # or the handler function, or a .wasm
        result = runner.run(input='{"id": 1}')
        assert result.status.value == "SUCCEEDED"
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from .testing import DurableFunctionTestRunner, HandlerSource


@pytest.fixture
def durable_runner() -> Callable[..., DurableFunctionTestRunner]:
    """A factory: `durable_runner(handler, **options)` gives a DurableFunctionTestRunner
    closed at the end of the test."""
    runners: list[DurableFunctionTestRunner] = []

    def make(handler: HandlerSource, **options: Any) -> DurableFunctionTestRunner:
        runner = DurableFunctionTestRunner(handler, **options)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()
