"""A handler waiting for an approval (written for AWS Lambda, unchanged): a callback with
a one-hour timeout, answered by the test."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    callback = context.create_callback(
        name="approval", config=CallbackConfig(timeout=Duration.from_hours(1)))
    context.step(lambda _: callback.callback_id is not None, name="send-request")
    return {"order": event["order"], "approval": callback.result()}
