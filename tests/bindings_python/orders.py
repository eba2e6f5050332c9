"""An order handler (written for AWS Lambda): a step asking a price service no test can
reach, a chained invoke of the `payments` function and a 10-second cool-off wait. The
durabox-only tests (test_durabox_powers.py) mock the step and the invoke and pass the wait
with a manual clock."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.exceptions import InvokeError
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

TWO_ATTEMPTS = StepConfig(
    retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=2)))


def fetch_price(item: str) -> dict:
    raise ConnectionError(f"the price service is out of reach (asked about {item})")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    quote = context.step(lambda _: fetch_price(event["item"]), name="price", config=TWO_ATTEMPTS)
    try:
        payment = context.invoke(
            "payments", {"item": event["item"], "amount": quote["amount"]}, name="pay")
    except InvokeError as error:
        return {"declined": error.error_type, "reason": error.message}
    context.wait(Duration.from_seconds(10), name="cool-off")
    return {"item": event["item"], "quote": quote, "payment": payment}
