"""durabox's own testing powers, which AWS's runner does not have (so these run with
durabox.testing only): mocked steps and chained invokes, a manual clock, the replay gate
(a history recorded by AWS's testing runner replayed against the code) and crash testing
(`chaos`). Run from a copy of this folder outside the checkout
(tests/bindings_python/run.sh), beside orders.py, shipping.py and tally.py.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import ErrorObject, OperationStatus
from aws_durable_execution_sdk_python_testing.runner import (
    DurableFunctionTestRunner as AwsRunner)

import orders
import shipping
import tally
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


# ---- the replay gate --------------------------------------------------------------------

SHIPMENT = json.dumps({"item": "book"})


@pytest.fixture(scope="module")
def aws_history() -> dict:
    """shipping.py's execution recorded by AWS's testing runner (the handler run in this
    interpreter): GetDurableExecutionHistory as its `to_dict()` gives it, datetimes and all."""
    with AwsRunner(handler=shipping.handler, skip_time=True) as runner:
        arn = runner.run_async(input=SHIPMENT)
        result = runner.wait_for_result(arn, timeout=60)
        history = runner.get_execution_history(arn, include_execution_data=True).to_dict()
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert isinstance(history["Events"][0]["EventTimestamp"], datetime.datetime)
    return history


def swapped_shipping(folder: Path) -> Path:
    """shipping.py with its steps `reserve` and `charge` swapped, written into `folder`."""
    lines = Path(shipping.__file__).read_text().splitlines(keepends=True)
    reserve = next(i for i, line in enumerate(lines) if 'name="reserve"' in line)
    assert 'name="charge"' in lines[reserve + 1]
    lines[reserve], lines[reserve + 1] = lines[reserve + 1], lines[reserve]
    variant = folder / "shipping.py"
    variant.write_text("".join(lines))
    return variant


def test_a_history_recorded_by_aws_runner_replays_on_the_same_code(aws_history):
    with DurableFunctionTestRunner(handler=shipping.handler) as runner:
        replayed = runner.replay(aws_history)
    assert replayed.reproduced, replayed.divergence
    assert replayed.divergence is None
    # reserve, charge, settle, ship; the recorded end (the result) compared too.
    assert (replayed.recorded_operations, replayed.reproduced_operations) == (4, 4)
    assert replayed.finished


def test_swapped_steps_diverge_where_the_first_of_them_was_recorded(aws_history, tmp_path):
    history_file = tmp_path / "history.json"  # as `json.dumps(..., default=str)` writes it
    history_file.write_text(json.dumps(aws_history, default=str))
    with DurableFunctionTestRunner(handler=swapped_shipping(tmp_path)) as runner:
        replayed = runner.replay(history_file)
    assert not replayed.reproduced
    divergence = replayed.divergence
    assert (divergence.position, divergence.name) == (1, "reserve"), divergence
    assert "reserve" in divergence.expected and "charge" in divergence.got, divergence
    assert "operation 1 (reserve)" in str(divergence)


def test_durabox_replays_its_own_history_and_json_text(runner):
    with DurableFunctionTestRunner(handler=shipping.handler) as shipping_runner:
        recorded = shipping_runner.run(input=SHIPMENT, timeout=30)
        assert recorded.status is InvocationStatus.SUCCEEDED, recorded.error
        arn = recorded.execution_arn
        for history in (recorded, shipping_runner.get_execution_history(arn),
                        json.dumps({"Events": recorded.events}), recorded.events):
            replayed = shipping_runner.replay(history)
            assert replayed.reproduced, replayed.divergence
            assert replayed.reproduced_operations == 4
    # The orders handler asks for other operations than shipping.py recorded.
    different = runner.replay(recorded)
    assert different.divergence.name == "reserve", different.divergence


def test_an_unreadable_history_is_refused(runner):
    with pytest.raises(ValueError, match="Events"):
        runner.replay({"events": []})
    with pytest.raises(ValueError, match="not a history"):
        runner.replay("no-such-history.json")
    with pytest.raises(TypeError):
        runner.replay(42)


# ---- crash testing ----------------------------------------------------------------------

def test_chaos_finds_state_kept_outside_durable_operations():
    with DurableFunctionTestRunner(handler=tally.handler) as runner:
        assert json.loads(runner.run(timeout=30).result) == 2
        chaos = runner.chaos()
    assert not chaos.all_same
    assert chaos.checkpoints == [
        "START STEP 'a'", "SUCCEED STEP 'a'", "START STEP 'b'", "SUCCEED STEP 'b'"]
    # A crash after a's START re-runs a: the count is right again. After a's end the replay
    # skips a's body: b counts 1 and the handler returns 1; after b's end it returns 0.
    assert [point.after for point in chaos.changed] == [
        "SUCCEED STEP 'a'", "START STEP 'b'", "SUCCEED STEP 'b'"], chaos.points
    first = chaos.changed[0].differences
    assert first[0] == "result: expected 2, got 1", first
    assert "expected STEP 'b' Succeeded result 2, got STEP 'b' Succeeded result 1" in first[1]
    assert chaos.changed[-1].differences == ["result: expected 2, got 0"]


def test_chaos_keeps_a_correct_handler_s_outcome_at_every_crash_point():
    with DurableFunctionTestRunner(handler=shipping.handler) as runner:
        chaos = runner.chaos(input=SHIPMENT)
    assert chaos.all_same, chaos.changed
    assert chaos.changed == []
    assert [point.index for point in chaos.points] == list(range(1, len(chaos.checkpoints) + 1))
    assert chaos.checkpoints == [
        "START STEP 'reserve'", "SUCCEED STEP 'reserve'", "START STEP 'charge'",
        "SUCCEED STEP 'charge'", "START WAIT 'settle'", "START STEP 'ship'",
        "SUCCEED STEP 'ship'"]


def test_chaos_runs_with_the_mocks(runner):
    runner.mock_step("price", result=QUOTE).mock_invoke("payments", result={"paid": True})
    chaos = runner.chaos(input=ORDER)
    assert chaos.all_same, chaos.changed
    assert "SUCCEED STEP 'price'" in chaos.checkpoints, chaos.checkpoints
