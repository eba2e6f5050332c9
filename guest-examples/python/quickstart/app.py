"""The quickstart from the AWS durable functions docs, in Python, exactly as written for
AWS Lambda (`aws_durable_execution_sdk_python`, whose API and module names durabox's Python
SDK provides): step `one`, a 1 s wait, child context `two` (steps `two_1`, `two_2`), step
`three`. The wait ends the first invocation; the second replays `one` and the wait and
runs the rest."""

from aws_durable_execution_sdk_python import (
    DurableContext,
    StepContext,
    durable_execution,
    durable_step,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.config import Duration


@durable_step
def one(step_context: StepContext) -> str:
    return "1 2"


@durable_step
def two_1(step_context: StepContext) -> str:
    return "3 4"


@durable_step
def two_2(step_context: StepContext) -> str:
    return "4 3"


@durable_with_child_context
def two(child_context: DurableContext) -> str:
    a = child_context.step(two_1())
    b = child_context.step(two_2())
    return f"{a} {b}"


@durable_step
def three(step_context: StepContext) -> str:
    return "5 6"


@durable_execution
def handler(event: dict, context: DurableContext) -> list[str]:
    result_one = context.step(one())
    context.wait(Duration.from_seconds(1))
    result_two = context.run_in_child_context(two())
    result_three = context.step(three())
    return [result_one, result_two, result_three]
