"""A handler with a bug durable functions punish: it counts its steps in a module-level
global, incremented inside the step bodies. A replay after an interrupted invocation skips
the bodies that already ran, so the count it returns depends on where the crash came.
test_durabox_powers.py finds this with `runner.chaos`."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution

COUNT = 0


def count(_step_context) -> int:
    global COUNT
    COUNT += 1
    return COUNT


@durable_execution
def handler(event: dict, context: DurableContext) -> int:
    context.step(count, name="a")
    context.step(count, name="b")
    return COUNT
