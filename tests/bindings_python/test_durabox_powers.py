"""durabox's own testing powers, which AWS's runner does not have (so these run with
durabox.testing only): mocked steps and chained invokes, and a manual clock. Run from a
copy of this folder outside the checkout (tests/bindings_python/run.sh), beside orders.py.
"""

from __future__ import annotations

import datetime
import json

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import ErrorObject, OperationStatus

import orders
from durabox.testing import DurableFunctionTestRunner, ExecutionStatus

ORDER = json.dumps({"item": "book"})
QUOTE = {"amount": 12.5, "currency": "EUR"}


@pytest.fixture
def runner():
    with DurableFunctionTestRunner(handler=orders.handler) as runner:
        yield runner


def test_unmocked_the_step_runs_its_body_and_fails(runner):
    result = runner.run(input=ORDER, timeout=30)
    assert result.status is InvocationStatus.FAILED
    price = result.get_step("price")
    assert price.status is OperationStatus.FAILED
    assert price.error.type == "ConnectionError"
    assert price.attempt == 2


def test_a_mocked_step_and_a_mocked_invoke(runner):
    runner.mock_step("price", result=QUOTE).mock_invoke("payments", result={"paid": True})
    result = runner.run(input=ORDER, timeout=30)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result) == {"item": "book", "quote": QUOTE, "payment": {"paid": True}}
    price = result.get_step("price")
    assert price.status is OperationStatus.SUCCEEDED
    assert price.attempt == 1
    pay = result.get_invoke("pay")
    assert pay.status is OperationStatus.SUCCEEDED
    assert json.loads(pay.result) == {"paid": True}
    # The wait still ran (time skipped): the whole handler, only the step and invoke mocked.
    assert result.get_wait("cool-off").status is OperationStatus.SUCCEEDED


def test_a_mocked_invoke_error_reaches_the_handler(runner):
    runner.mock_step("price", result=QUOTE)
    runner.mock_invoke("payments", error=("Declined", "no funds"))
    result = runner.run(input=ORDER, timeout=30)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result) == {"declined": "Declined", "reason": "no funds"}
    pay = result.get_invoke("pay")
    assert pay.status is OperationStatus.FAILED
    assert (pay.error.type, pay.error.message) == ("Declined", "no funds")


def test_a_mocked_step_error_goes_through_the_retry_strategy(runner):
    runner.mock_step("price", error=ErrorObject(
        message="quotes are down", type="PriceDown", data=None, stack_trace=None))
    result = runner.run(input=ORDER, timeout=30)
    assert result.status is InvocationStatus.FAILED
    price = result.get_step("price")
    assert price.status is OperationStatus.FAILED
    assert (price.error.type, price.error.message) == ("PriceDown", "quotes are down")
    assert price.attempt == 2


def test_mocks_apply_to_executions_started_afterwards(runner):
    before = runner.run_async(input=ORDER)
    runner.mock_step("price", result=QUOTE).mock_invoke("payments", result={"paid": True})
    mocked = runner.run_async(input=ORDER)
    runner.clear_mocks()
    cleared = runner.run_async(input=ORDER)
    assert runner.wait_for_result(before, timeout=30).status is InvocationStatus.FAILED
    assert runner.wait_for_result(mocked, timeout=30).status is InvocationStatus.SUCCEEDED
    assert runner.wait_for_result(cleared, timeout=30).status is InvocationStatus.FAILED


def test_a_mock_answers_with_a_result_or_an_error_not_both(runner):
    with pytest.raises(ValueError, match="both"):
        runner.mock_step("price", result=QUOTE, error=("PriceDown", "quotes are down"))


def test_a_manual_clock_fires_the_wait_when_due_and_not_before():
    with DurableFunctionTestRunner(handler=orders.handler, manual_clock=True) as runner:
        runner.mock_step("price", result=QUOTE).mock_invoke("payments", result={"paid": True})
        arn = runner.run_async(input=ORDER)

        idle = runner.run_until_idle(arn)
        assert idle.status is InvocationStatus.PENDING
        assert idle.execution_status is ExecutionStatus.RUNNING
        wait = idle.get_wait("cool-off")
        assert wait.status is OperationStatus.STARTED
        assert wait.scheduled_end_timestamp - wait.start_timestamp == datetime.timedelta(seconds=10)

        early = runner.advance(arn, seconds=9)
        assert early.execution_status is ExecutionStatus.RUNNING, "not due yet"
        assert early.get_wait("cool-off").status is OperationStatus.STARTED
        assert len(early.invocations) == 1

        done = runner.advance(arn, datetime.timedelta(seconds=1))
        assert done.status is InvocationStatus.SUCCEEDED, done.error
        assert json.loads(done.result)["payment"] == {"paid": True}
        wait = done.get_wait("cool-off")
        assert wait.status is OperationStatus.SUCCEEDED
        waited = (wait.end_timestamp - wait.start_timestamp).total_seconds()
        assert waited == pytest.approx(10, abs=0.1)
        assert len(done.invocations) == 2


def test_advancing_a_clock_that_is_not_manual_is_refused(runner):
    arn = runner.run_async(input=ORDER)
    runner.wait_for_result(arn, timeout=30)
    with pytest.raises(ValueError, match="not manual"):
        runner.advance(arn, seconds=1)
