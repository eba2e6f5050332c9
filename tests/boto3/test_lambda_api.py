"""Every durable-execution route of `durabox serve`, driven through boto3's Lambda client.

Errors are caught as botocore's modeled exception classes (`client.exceptions.X`), which
only works when the server sends the `X-Amzn-ErrorType` header and the modeled status.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import urllib.request
import uuid

import botocore
import pytest

from conftest import lambda_client, wait_until

ARN_PATTERN = re.compile(
    r"^arn:aws:lambda:us-east-1:\d{12}:function:(?P<fn>[A-Za-z0-9_-]+):\$LATEST"
    r"/durable-execution/(?P<name>[A-Za-z0-9_-]+)/(?P<id>[A-Za-z0-9_-]+)$"
)
TERMINAL_EVENTS = {
    "ExecutionSucceeded",
    "ExecutionFailed",
    "ExecutionTimedOut",
    "ExecutionStopped",
}
DURABLE_OPERATIONS = {
    "CheckpointDurableExecution",
    "DeleteDurableExecution",
    "GetDurableExecution",
    "GetDurableExecutionHistory",
    "GetDurableExecutionState",
    "ListDurableExecutionsByFunction",
    "PauseDurableExecution",
    "ResumeDurableExecution",
    "SendDurableExecutionCallbackFailure",
    "SendDurableExecutionCallbackHeartbeat",
    "SendDurableExecutionCallbackSuccess",
    "StopDurableExecution",
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def invoke(client, function: str, payload, **kwargs):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = client.invoke(FunctionName=function, Payload=body, **kwargs)
    response["Body"] = response["Payload"].read()
    return response


def start_async(client, payload, function: str = "scenarios", **kwargs) -> str:
    response = invoke(client, function, payload, InvocationType="Event", **kwargs)
    assert response["StatusCode"] == 202
    return response["DurableExecutionArn"]


def events(client, arn: str, **kwargs) -> list[dict]:
    return client.get_durable_execution_history(DurableExecutionArn=arn, **kwargs)["Events"]


def status(client, arn: str) -> str:
    return client.get_durable_execution(DurableExecutionArn=arn)["Status"]


def wait_for_callback_id(client, arn: str, name: str = "approval") -> str:
    def find():
        for event in events(client, arn):
            if event["EventType"] == "CallbackStarted" and event.get("Name") == name:
                return event["CallbackStartedDetails"]["CallbackId"]
        return None

    return wait_until(find, what=f"CallbackStarted {name!r} in {arn}")


def wait_for_status(client, arn: str, wanted: set[str], timeout: float = 30.0) -> dict:
    def check():
        execution = client.get_durable_execution(DurableExecutionArn=arn)
        return execution if execution["Status"] in wanted else None

    return wait_until(check, timeout=timeout, what=f"status in {wanted} for {arn}")


def logged_checkpoint_token(server, arn: str) -> str:
    """The token a caller must present next. AWS hands it only to the handler (in the
    invocation envelope), and durabox's tokens cannot be rebuilt from the ARN; the
    `token_then_callback` scenario logs it, and the server's --logs-dir holds the log."""
    def token():
        path = server.logs_dir / "scenarios.jsonl"
        for line in path.read_text().splitlines() if path.exists() else []:
            try:
                record = json.loads(json.loads(line)["message"])
            except (ValueError, TypeError):
                continue  # a raw stdout line
            message = record.get("message", "")
            if record.get("durableExecutionArn") == arn and message.startswith("checkpoint token: "):
                return message.split("checkpoint token: ", 1)[1]
        return None
    wait_until(lambda: token() is not None, what="the logged checkpoint token")
    return token()


# --- service model ------------------------------------------------------------------


def test_botocore_models_the_durable_operations(client):
    operations = set(client.meta.service_model.operation_names)
    missing = DURABLE_OPERATIONS - operations
    assert not missing, f"botocore {botocore.__version__} lacks {sorted(missing)}"
    for method in (
        "get_durable_execution",
        "get_durable_execution_history",
        "get_durable_execution_state",
        "checkpoint_durable_execution",
        "list_durable_executions_by_function",
        "stop_durable_execution",
        "pause_durable_execution",
        "resume_durable_execution",
        "delete_durable_execution",
        "send_durable_execution_callback_success",
        "send_durable_execution_callback_failure",
        "send_durable_execution_callback_heartbeat",
    ):
        assert callable(getattr(client, method))
    for error in (
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "ResourceConflictException",
        "DurableExecutionAlreadyStartedException",
        "CallbackTimeoutException",
        "InvalidRequestContentException",
    ):
        assert issubclass(getattr(client.exceptions, error), botocore.exceptions.ClientError)


# --- Invoke ---------------------------------------------------------------------------


def test_invoke_request_response_returns_result_and_arn(client):
    response = invoke(client, "quickstart", {}, Qualifier="$LATEST")
    assert response["StatusCode"] == 200
    assert json.loads(response["Body"]) == ["1 2", "3 4 4 3", "5 6"]
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    match = ARN_PATTERN.match(response["DurableExecutionArn"])
    assert match, response["DurableExecutionArn"]
    assert match["fn"] == "quickstart"

    execution = client.get_durable_execution(DurableExecutionArn=response["DurableExecutionArn"])
    assert execution["Status"] == "SUCCEEDED"
    assert execution["DurableExecutionArn"] == response["DurableExecutionArn"]
    assert execution["DurableExecutionName"] == match["name"]
    assert execution["FunctionArn"].endswith(":function:quickstart:$LATEST")
    assert json.loads(execution["Result"]) == ["1 2", "3 4 4 3", "5 6"]
    assert json.loads(execution["InputPayload"]) == {}
    assert execution["Version"] == "$LATEST"
    assert isinstance(execution["StartTimestamp"], dt.datetime)
    assert execution["EndTimestamp"] >= execution["StartTimestamp"]


def test_invoke_by_function_arn(client):
    response = invoke(client, "arn:aws:lambda:us-east-1:123456789012:function:scenarios", {"scenario": "steps"})
    assert json.loads(response["Body"]) == "result=22"
    assert ARN_PATTERN.match(response["DurableExecutionArn"])["fn"] == "scenarios"


def test_invoke_of_failing_execution_reports_function_error(client):
    response = invoke(client, "scenarios", {"scenario": "retry_exhausted"})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    body = json.loads(response["Body"])
    assert body["errorType"] == "MyError"
    assert body["errorMessage"] == "boom"
    execution = client.get_durable_execution(DurableExecutionArn=response["DurableExecutionArn"])
    assert execution["Status"] == "FAILED"
    assert execution["Error"]["ErrorType"] == "MyError"
    assert execution["Error"]["ErrorMessage"] == "boom"
    assert "Result" not in execution
    history = events(client, response["DurableExecutionArn"])
    assert history[-1]["EventType"] == "ExecutionFailed"
    assert history[-1]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorType"] == "MyError"


def test_invoke_event_returns_202_and_runs_in_background(client):
    # An hour-long wait: the time-skipping server finishes it at once.
    arn = start_async(client, {"scenario": "wait", "seconds": 3600})
    assert ARN_PATTERN.match(arn)
    execution = wait_for_status(client, arn, {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"]) == "done"
    waits = [e for e in events(client, arn) if e["EventType"] == "WaitStarted"]
    assert waits[0]["WaitStartedDetails"]["Duration"] == 3600


def test_invoke_idempotent_execution_name(client):
    name = unique("idem")
    first = invoke(client, "quickstart", {"n": 1}, DurableExecutionName=name)
    again = invoke(client, "quickstart", {"n": 1}, DurableExecutionName=name)
    assert first["DurableExecutionArn"] == again["DurableExecutionArn"]
    assert ARN_PATTERN.match(first["DurableExecutionArn"])["name"] == name
    listed = client.list_durable_executions_by_function(FunctionName="quickstart", DurableExecutionName=name)
    assert len(listed["DurableExecutions"]) == 1

    with pytest.raises(client.exceptions.DurableExecutionAlreadyStartedException) as caught:
        invoke(client, "quickstart", {"n": 2}, DurableExecutionName=name)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_invoke_unknown_function(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        invoke(client, "no-such-function", {})
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize("payload", [b"{not json", b'{"a": 1', b"\xff\xfe"])
def test_invoke_malformed_payload(client, payload):
    with pytest.raises(client.exceptions.InvalidRequestContentException) as caught:
        invoke(client, "quickstart", payload)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_invoke_too_large_payload_is_the_modeled_exception(client):
    payload = json.dumps({"blob": "x" * (8 << 20)}).encode()
    with pytest.raises(client.exceptions.RequestTooLargeException) as caught:
        invoke(client, "quickstart", payload)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert "smaller than" in caught.value.response["Error"]["Message"]


def test_invoke_beyond_the_queue_is_throttled(tiny_server):
    client = lambda_client(tiny_server.url)
    busy = {"scenario": "busy", "ms": 3000}
    arn = start_async(client, busy, DurableExecutionName=unique("busy"))

    def usage():
        with urllib.request.urlopen(tiny_server.url + "/health") as response:
            return json.load(response)["invocations"]

    wait_until(lambda: usage()["running"] == 1, what="the busy invocation to hold the instance")
    with pytest.raises(client.exceptions.TooManyRequestsException) as caught:
        invoke(client, "scenarios", busy)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Error"]["Message"] == "Rate Exceeded."
    assert error["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert error["retryAfterSeconds"] == "1"
    # The accepted execution is not harmed by the refusal.
    done = wait_for_status(client, arn, {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"busy_ms": 3000}


def test_invoke_invalid_execution_name(client):
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        invoke(client, "quickstart", {}, DurableExecutionName="not valid!")


# --- GetDurableExecution / GetDurableExecutionHistory ----------------------------------


def test_get_durable_execution_without_execution_data(client):
    arn = invoke(client, "quickstart", {"x": 1})["DurableExecutionArn"]
    execution = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert execution["Status"] == "SUCCEEDED"
    assert "InputPayload" not in execution
    assert "Result" not in execution


def test_history_shape(client):
    arn = invoke(client, "quickstart", {})["DurableExecutionArn"]
    history = events(client, arn, IncludeExecutionData=True)
    assert [e["EventId"] for e in history] == list(range(1, len(history) + 1))
    assert history[0]["EventType"] == "ExecutionStarted"
    assert history[-1]["EventType"] == "ExecutionSucceeded"
    assert history[-2]["EventType"] == "InvocationCompleted"
    assert json.loads(history[-1]["ExecutionSucceededDetails"]["Result"]["Payload"]) == ["1 2", "3 4 4 3", "5 6"]
    for event in history:
        assert isinstance(event["EventTimestamp"], dt.datetime), event
        assert f"{event['EventType']}Details" in event, event
    steps = [e for e in history if e["EventType"] == "StepSucceeded"]
    assert {e.get("Name") for e in steps} >= {"one", "two_1", "two_2", "three"}
    assert all(e["StepSucceededDetails"]["RetryDetails"]["CurrentAttempt"] == 1 for e in steps)
    # Without execution data the input payload is withheld.
    started = events(client, arn, IncludeExecutionData=False)[0]
    assert "Payload" not in started["ExecutionStartedDetails"]["Input"]


def test_history_pagination_and_reverse_order(client):
    arn = invoke(client, "quickstart", {})["DurableExecutionArn"]
    full = [e["EventId"] for e in events(client, arn)]
    assert len(full) > 5

    def walk(**kwargs) -> list[int]:
        ids, marker = [], None
        while True:
            page_kwargs = dict(kwargs, MaxItems=3)
            if marker:
                page_kwargs["Marker"] = marker
            page = client.get_durable_execution_history(DurableExecutionArn=arn, **page_kwargs)
            assert len(page["Events"]) <= 3
            ids += [e["EventId"] for e in page["Events"]]
            marker = page.get("NextMarker")
            if not marker:
                return ids

    assert walk() == full
    assert walk(ReverseOrder=True) == list(reversed(full))
    # boto3's paginator follows NextMarker too.
    paginator = client.get_paginator("get_durable_execution_history")
    pages = paginator.paginate(DurableExecutionArn=arn, PaginationConfig={"PageSize": 4})
    assert [e["EventId"] for page in pages for e in page["Events"]] == full


def test_history_invalid_max_items(client):
    arn = invoke(client, "quickstart", {})["DurableExecutionArn"]
    with pytest.raises(client.exceptions.InvalidParameterValueException) as caught:
        client.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=5000)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_history_invalid_marker(client):
    arn = invoke(client, "quickstart", {})["DurableExecutionArn"]
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=2, Marker="not-a-marker")


def unknown_arn() -> str:
    name = unique("missing")
    return f"arn:aws:lambda:us-east-1:123456789012:function:quickstart:$LATEST/durable-execution/{name}/{name}"


@pytest.mark.parametrize(
    "call",
    [
        lambda c, arn: c.get_durable_execution(DurableExecutionArn=arn),
        lambda c, arn: c.get_durable_execution_history(DurableExecutionArn=arn),
        lambda c, arn: c.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken="dG9rZW4="),
        lambda c, arn: c.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken="dG9rZW4="),
        lambda c, arn: c.stop_durable_execution(DurableExecutionArn=arn),
        lambda c, arn: c.pause_durable_execution(DurableExecutionArn=arn),
        lambda c, arn: c.resume_durable_execution(DurableExecutionArn=arn),
        lambda c, arn: c.delete_durable_execution(DurableExecutionArn=arn),
    ],
    ids=["get", "history", "state", "checkpoint", "stop", "pause", "resume", "delete"],
)
def test_unknown_execution_arn(client, call):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        call(client, unknown_arn())
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --- ListDurableExecutionsByFunction ----------------------------------------------------


def test_list_durable_executions_by_function(client):
    tag = uuid.uuid4().hex[:8]
    ok = invoke(client, "scenarios", {"scenario": "steps"}, DurableExecutionName=f"list-ok-{tag}")
    failed = invoke(client, "scenarios", {"scenario": "retry_exhausted"}, DurableExecutionName=f"list-bad-{tag}")
    ok_arn, failed_arn = ok["DurableExecutionArn"], failed["DurableExecutionArn"]
    ok_start = client.get_durable_execution(DurableExecutionArn=ok_arn)["StartTimestamp"]
    failed_start = client.get_durable_execution(DurableExecutionArn=failed_arn)["StartTimestamp"]
    assert failed_start > ok_start

    def listed(**kwargs) -> list[str]:
        items = client.list_durable_executions_by_function(FunctionName="scenarios", **kwargs)["DurableExecutions"]
        return [i["DurableExecutionArn"] for i in items if i["DurableExecutionArn"] in (ok_arn, failed_arn)]

    # Newest first by default; ReverseOrder gives oldest first.
    assert listed() == [failed_arn, ok_arn]
    assert listed(ReverseOrder=True) == [ok_arn, failed_arn]
    assert listed(Statuses=["SUCCEEDED"]) == [ok_arn]
    assert listed(Statuses=["FAILED"]) == [failed_arn]
    assert listed(Statuses=["FAILED", "SUCCEEDED"]) == [failed_arn, ok_arn]
    assert listed(DurableExecutionName=f"list-ok-{tag}") == [ok_arn]
    assert listed(StartedAfter=failed_start) == [failed_arn]
    assert listed(StartedBefore=ok_start) == [ok_arn]

    item = client.list_durable_executions_by_function(
        FunctionName="scenarios", DurableExecutionName=f"list-bad-{tag}"
    )["DurableExecutions"][0]
    assert item["Status"] == "FAILED"
    assert item["DurableExecutionName"] == f"list-bad-{tag}"
    assert item["FunctionArn"].endswith(":function:scenarios:$LATEST")
    assert item["EndTimestamp"] >= item["StartTimestamp"]

    # Also reachable by the qualified function ARN, and page by page.
    by_arn = client.list_durable_executions_by_function(
        FunctionName="arn:aws:lambda:us-east-1:123456789012:function:scenarios",
        DurableExecutionName=f"list-ok-{tag}",
    )["DurableExecutions"]
    assert [i["DurableExecutionArn"] for i in by_arn] == [ok_arn]
    first = client.list_durable_executions_by_function(FunctionName="scenarios", MaxItems=1)
    assert len(first["DurableExecutions"]) == 1
    assert "NextMarker" in first
    second = client.list_durable_executions_by_function(
        FunctionName="scenarios", MaxItems=1, Marker=first["NextMarker"]
    )
    assert second["DurableExecutions"][0] != first["DurableExecutions"][0]


def test_list_unknown_function(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_durable_executions_by_function(FunctionName="no-such-function")


# --- callbacks (real time, so the callback waits for the test) ---------------------------


def test_callback_success_heartbeat_and_second_answer(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    callback_id = wait_for_callback_id(rt_client, arn)
    assert rt_client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)["ResponseMetadata"][
        "HTTPStatusCode"
    ] == 200
    assert status(rt_client, arn) == "RUNNING"
    rt_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'{"approved": true}')
    execution = wait_for_status(rt_client, arn, {"SUCCEEDED", "FAILED"})
    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"]) == {"callback": {"approved": True}}
    history = events(rt_client, arn)
    succeeded = [e for e in history if e["EventType"] == "CallbackSucceeded"]
    assert succeeded[0]["CallbackSucceededDetails"]["Result"]["Payload"] == '{"approved": true}'

    # The callback is no longer active: every answer is refused.
    with pytest.raises(rt_client.exceptions.ResourceNotFoundException):
        rt_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"1")
    with pytest.raises(rt_client.exceptions.ResourceNotFoundException):
        rt_client.send_durable_execution_callback_failure(
            CallbackId=callback_id, Error={"ErrorType": "Late", "ErrorMessage": "too late"}
        )
    with pytest.raises(rt_client.exceptions.ResourceNotFoundException):
        rt_client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)


def test_callback_success_without_result(rt_client):
    arn = start_async(rt_client, {"scenario": "callback_caught"})
    callback_id = wait_for_callback_id(rt_client, arn)
    rt_client.send_durable_execution_callback_success(CallbackId=callback_id)
    assert wait_for_status(rt_client, arn, {"SUCCEEDED", "FAILED"})["Status"] == "SUCCEEDED"


def test_callback_failure(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    callback_id = wait_for_callback_id(rt_client, arn)
    rt_client.send_durable_execution_callback_failure(
        CallbackId=callback_id,
        Error={"ErrorType": "Rejected", "ErrorMessage": "not approved", "ErrorData": '{"by": "test"}'},
    )
    execution = wait_for_status(rt_client, arn, {"SUCCEEDED", "FAILED"})
    assert execution["Status"] == "FAILED"
    assert execution["Error"]["ErrorType"] == "Rejected"
    assert execution["Error"]["ErrorMessage"] == "not approved"
    failed = [e for e in events(rt_client, arn) if e["EventType"] == "CallbackFailed"]
    assert failed[0]["CallbackFailedDetails"]["Error"]["Payload"]["ErrorType"] == "Rejected"
    with pytest.raises(rt_client.exceptions.ResourceNotFoundException):
        rt_client.send_durable_execution_callback_failure(
            CallbackId=callback_id, Error={"ErrorType": "Again", "ErrorMessage": "twice"}
        )


def test_timed_out_callback_refuses_answers(client):
    # Time skipping: the 5 s callback timeout fires as soon as the execution is idle.
    response = invoke(client, "scenarios", {"scenario": "callback", "timeout": 5})
    arn = response["DurableExecutionArn"]
    execution = client.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "FAILED"
    assert execution["Error"]["ErrorType"] == "Callback.Timeout"
    callback_id = next(
        e["CallbackStartedDetails"]["CallbackId"] for e in events(client, arn) if e["EventType"] == "CallbackStarted"
    )
    with pytest.raises(client.exceptions.CallbackTimeoutException):
        client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"1")
    with pytest.raises(client.exceptions.CallbackTimeoutException):
        client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)


@pytest.mark.parametrize("callback_id", ["bm8tc3VjaC1jYWxsYmFjaw==", "abc"])
def test_unknown_callback_id(client, callback_id):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"1")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.send_durable_execution_callback_failure(
            CallbackId=callback_id, Error={"ErrorType": "X", "ErrorMessage": "y"}
        )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)


# --- GetDurableExecutionState / CheckpointDurableExecution ------------------------------


def test_state_and_checkpoint_tokens(rt_client, realtime_server):
    arn = start_async(rt_client, {"scenario": "token_then_callback"})
    callback_id = wait_for_callback_id(rt_client, arn)
    token = logged_checkpoint_token(realtime_server, arn)

    state = rt_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=token)
    by_type = {op["Type"]: op for op in state["Operations"]}
    assert by_type["EXECUTION"]["Id"] == arn.split("/")[-1]
    assert json.loads(by_type["EXECUTION"]["ExecutionDetails"]["InputPayload"]) == {
        "scenario": "token_then_callback"}
    assert by_type["CALLBACK"]["Status"] == "STARTED"
    assert by_type["CALLBACK"]["Name"] == "approval"
    assert by_type["CALLBACK"]["CallbackDetails"]["CallbackId"] == callback_id
    page = rt_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=token, MaxItems=1)
    assert len(page["Operations"]) == 1 and "NextMarker" in page

    response = rt_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=token, Updates=[])
    new_token = response["CheckpointToken"]
    assert new_token and new_token != token
    assert response["NewExecutionState"]["Operations"] == []

    # The consumed token is stale for both routes.
    with pytest.raises(rt_client.exceptions.InvalidParameterValueException) as caught:
        rt_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=token, Updates=[])
    assert caught.value.response["Error"]["Message"].startswith("Invalid checkpoint token")
    with pytest.raises(rt_client.exceptions.InvalidParameterValueException):
        rt_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=token)
    with pytest.raises(rt_client.exceptions.InvalidParameterValueException):
        rt_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken="garbage", Updates=[])
    rt_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=new_token)

    rt_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"ok"')
    assert wait_for_status(rt_client, arn, {"SUCCEEDED", "FAILED"})["Status"] == "SUCCEEDED"
    # Once the execution is complete no token is accepted.
    with pytest.raises(rt_client.exceptions.InvalidParameterValueException):
        rt_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=new_token, Updates=[])


# --- Stop / Pause / Resume / Delete ---------------------------------------------------


def test_stop_execution(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    callback_id = wait_for_callback_id(rt_client, arn)
    response = rt_client.stop_durable_execution(
        DurableExecutionArn=arn, Error={"ErrorType": "Operator", "ErrorMessage": "stopped by test"}
    )
    assert isinstance(response["StopTimestamp"], dt.datetime)
    execution = rt_client.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "STOPPED"
    assert execution["Error"]["ErrorType"] == "Operator"
    assert execution["Error"]["ErrorMessage"] == "stopped by test"
    assert events(rt_client, arn)[-1]["EventType"] == "ExecutionStopped"
    with pytest.raises(rt_client.exceptions.ResourceNotFoundException):
        rt_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"1")


def test_stop_without_error(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    wait_for_callback_id(rt_client, arn)
    rt_client.stop_durable_execution(DurableExecutionArn=arn)
    assert status(rt_client, arn) == "STOPPED"


def test_pause_and_resume(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    callback_id = wait_for_callback_id(rt_client, arn)
    response = rt_client.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    wait_for_status(rt_client, arn, {"PAUSED"})
    with pytest.raises(rt_client.exceptions.ResourceConflictException):
        rt_client.delete_durable_execution(DurableExecutionArn=arn)

    # A callback answered while paused is recorded, but nothing runs until resumed.
    rt_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"while paused"')
    assert status(rt_client, arn) == "PAUSED"

    response = rt_client.resume_durable_execution(DurableExecutionArn=arn, Reason="done")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    execution = wait_for_status(rt_client, arn, {"SUCCEEDED", "FAILED"})
    assert json.loads(execution["Result"]) == {"callback": "while paused"}
    types = [e["EventType"] for e in events(rt_client, arn)]
    assert types.index("ExecutionPaused") < types.index("ExecutionResumed") < types.index("ExecutionSucceeded")

    with pytest.raises(rt_client.exceptions.ResourceConflictException):
        rt_client.pause_durable_execution(DurableExecutionArn=arn)
    with pytest.raises(rt_client.exceptions.ResourceConflictException):
        rt_client.resume_durable_execution(DurableExecutionArn=arn)


def test_paused_execution_reports_pause_details(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    wait_for_callback_id(rt_client, arn)
    rt_client.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    try:
        paused = wait_for_status(rt_client, arn, {"PAUSED"})
        details = paused["PauseDetails"]
        assert details["Reason"] == "maintenance"
        assert isinstance(details["PauseRequestTimestamp"], dt.datetime)
        # The model's default for ExecutionTimeoutPaused is true.
        assert details["ExecutionTimeoutPaused"] is True
    finally:
        rt_client.stop_durable_execution(DurableExecutionArn=arn)


def test_resume_of_running_execution_conflicts(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    wait_for_callback_id(rt_client, arn)
    with pytest.raises(rt_client.exceptions.ResourceConflictException):
        rt_client.resume_durable_execution(DurableExecutionArn=arn)
    rt_client.stop_durable_execution(DurableExecutionArn=arn)


def test_delete_running_execution_conflicts(rt_client):
    arn = start_async(rt_client, {"scenario": "callback"})
    wait_for_callback_id(rt_client, arn)
    with pytest.raises(rt_client.exceptions.ResourceConflictException) as caught:
        rt_client.delete_durable_execution(DurableExecutionArn=arn)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert status(rt_client, arn) == "RUNNING"
    rt_client.stop_durable_execution(DurableExecutionArn=arn)


def test_delete_terminal_execution(client):
    name = unique("delete")
    arn = invoke(client, "quickstart", {}, DurableExecutionName=name)["DurableExecutionArn"]
    response = client.delete_durable_execution(DurableExecutionArn=arn)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert isinstance(response["DeletionRequestTimestamp"], dt.datetime)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_durable_execution(DurableExecutionArn=arn)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_durable_execution_history(DurableExecutionArn=arn)
    listed = client.list_durable_executions_by_function(FunctionName="quickstart", DurableExecutionName=name)
    assert listed["DurableExecutions"] == []


def test_skip_time_server_keeps_callbacks_answerable(client):
    # Waits are skipped, but an execution waiting only for a callback does not jump to
    # its execution timeout: the callback can still be answered after a while.
    arn = start_async(client, {"scenario": "callback"})
    callback_id = wait_for_callback_id(client, arn)
    time.sleep(1.5)
    assert status(client, arn) == "RUNNING"
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"late"')
    done = wait_for_status(client, arn, {"SUCCEEDED"})
    assert json.loads(done["Result"]) == {"callback": "late"}


def test_skipped_time_holds_at_a_callback_timeout(holding_server):
    # Without --fire-callback-timeouts, skipped time never passes a pending callback's
    # timeout: an hour-long callback answered 2 s after it became pending succeeds.
    client = lambda_client(holding_server.url)
    arn = start_async(client, {"scenario": "callback", "timeout": 3600})
    callback_id = wait_for_callback_id(client, arn)
    time.sleep(2)
    assert status(client, arn) == "RUNNING"
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"late"')
    done = wait_for_status(client, arn, {"SUCCEEDED"})
    assert json.loads(done["Result"]) == {"callback": "late"}
