"""The same tests, written as for AWS's testing runner, run twice: with AWS's own
`DurableFunctionTestRunner` (aws-durable-execution-sdk-python-testing, the handler run
in this interpreter) and with `durabox.testing`'s (the same handler source built into a
component and run in durabox's sandbox). Only the import differs.

Run from a copy of this folder outside the checkout (tests/bindings_python/run.sh), beside
the unchanged quickstart handler `app.py`.
"""

from __future__ import annotations

import json
import time

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus, OperationType
from aws_durable_execution_sdk_python_testing.runner import (
    DurableFunctionTestRunner as AwsRunner)

import app
import approval
from durabox.testing import DurableFunctionTestRunner as DuraboxRunner


@pytest.fixture(params=["aws", "durabox"])
def runner_for(request):
    """`runner_for(handler)`: the runner of this parametrization, closed after the test."""
    runners = []

    def make(handler):
        cls = AwsRunner if request.param == "aws" else DuraboxRunner
        runner = cls(handler=handler, skip_time=True)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()


def test_quickstart_result_and_operations(runner_for):
    with runner_for(app.handler) as runner:
        result = runner.run(input=json.dumps("input str"), execution_timeout=30)
    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == ["1 2", "3 4 4 3", "5 6"]
    one = result.get_step("one")
    assert one.operation_type is OperationType.STEP
    assert one.status is OperationStatus.SUCCEEDED
    assert json.loads(one.result) == "1 2"
    assert one.attempt == 1
    two = result.get_context("two")
    assert [op.name for op in two.child_operations] == ["two_1", "two_2"]
    assert json.loads(two.get_step("two_2").result) == "4 3"
    assert [op.operation_type for op in result.operations] == [
        OperationType.STEP, OperationType.WAIT, OperationType.CONTEXT, OperationType.STEP]
    wait = result.operations[1]
    assert (wait.scheduled_end_timestamp - wait.start_timestamp).total_seconds() == pytest.approx(1, abs=0.01)


def test_callback_answered_after_a_pause(runner_for):
    runner = runner_for(approval.handler)
    arn = runner.run_async(input=json.dumps({"order": 7}))
    callback_id = runner.wait_for_callback(arn, name="approval", timeout=30)
    time.sleep(2)  # time is skipped, yet the one-hour timeout must not fire meanwhile
    runner.send_callback_success(callback_id, json.dumps({"by": "ops"}).encode())
    result = runner.wait_for_result(arn, timeout=30)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result) == {"order": 7, "approval": '{"by": "ops"}'}
    callback = result.get_callback("approval")
    assert callback.status is OperationStatus.SUCCEEDED
    assert callback.callback_id == callback_id
