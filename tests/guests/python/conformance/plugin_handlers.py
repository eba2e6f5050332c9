"""Suite `plugin` (10-x): instrumentation plugins. Each plugin prints one JSON record a hook
to plain stdout (`{"plugin", "hook", ..., "durableExecutionArn"}`), stamped with the ARN its
invocation-start hook received, as the YAMLs ask.

The plugins are registered once (`FACTORIES`, on the handler's decorator); each factory
reads the requirement id when an invocation starts and returns its plugin, or None."""

import json
import os

from common import secs, text
from durabox_durable import DurableInstrumentationPlugin, OperationType, durable_step
from step_handlers import fails_permanently, retry_then_succeed

FN_VAR = "DURABOX_CONFORMANCE_FN"

INVOCATION, OPERATION, ATTEMPT, FAULTY = "invocation", "operation", "attempt", "faulty"

# requirement id -> the plugins it registers, in order: (name, which hooks print)
PLUGINS = {
    "10-1": [("CONFPLUGIN", INVOCATION)],
    "10-2": [("CONFPLUGIN", OPERATION)],
    "10-3": [("CONFPLUGIN", ATTEMPT)],
    "10-4": [("CONFPLUGIN-FAULTY", FAULTY)],
    "10-5": [("CONFPLUGIN-A", INVOCATION), ("CONFPLUGIN-B", INVOCATION)],
    "10-6": [("CONFPLUGIN", INVOCATION)],
    "10-7": [("CONFPLUGIN", INVOCATION)],
}


class PluginError(Exception):
    pass


class Recorder(DurableInstrumentationPlugin):
    """Prints the records of the hooks it watches (`kind`); a FAULTY one prints every hook
    and then raises."""

    def __init__(self, name, kind):
        self.name, self.kind, self.arn = name, kind, None

    def _print(self, kind, hook, **fields):
        if self.kind not in (kind, FAULTY):
            return
        record = {"plugin": self.name, "hook": hook}
        if self.kind != FAULTY:
            record.update(fields)
        record["durableExecutionArn"] = self.arn
        print(json.dumps(record), flush=True)
        if self.kind == FAULTY:
            raise PluginError(f"{hook} hook failed on purpose")

    def on_invocation_start(self, info):
        self.arn = info.execution_arn
        self._print(INVOCATION, "invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info):
        self._print(INVOCATION, "invocation-end", status=info.status.value)

    # Only step operations are of interest to the operation and attempt hooks.

    def on_operation_start(self, info):
        if info.operation_type == OperationType.STEP:
            self._print(OPERATION, "operation-start", op=info.operation_id)

    def on_operation_end(self, info):
        if info.operation_type == OperationType.STEP:
            self._print(OPERATION, "operation-end", op=info.operation_id,
                        status=info.status.value)

    def on_user_function_start(self, info):
        if info.operation_type == OperationType.STEP:
            self._print(ATTEMPT, "attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info):
        if info.operation_type == OperationType.STEP:
            self._print(ATTEMPT, "attempt-end", n=info.attempt, outcome=info.outcome.value,
                        op=info.operation_id)


class RequirementPlugin:
    """Factory of the `slot`-th plugin of the running requirement (None if it has fewer)."""

    def __init__(self, slot):
        self.slot = slot

    def create_plugin(self, _info):
        specs = PLUGINS.get(os.environ.get(FN_VAR, ""), [])
        return Recorder(*specs[self.slot]) if self.slot < len(specs) else None


FACTORIES = [RequirementPlugin(slot) for slot in range(max(map(len, PLUGINS.values())))]


@durable_step
def greet_step(step_context, who):
    step_context.logger.info(f"Greeting step running for: {who}")
    return f"Hello, {who}!"


def greet(ctx, event):
    """10-1, 10-2, 10-4, 10-5: a step greeting the input, logging as it runs."""
    return ctx.step(greet_step(text(event)), "greet")


def wait_two_seconds(ctx, _event):
    """10-6: one wait, so the execution takes two invocations."""
    ctx.wait(secs(2))


HANDLERS = {
    "10-1": greet,
    "10-2": greet,
    "10-3": retry_then_succeed,  # the 1-11 handler: fails once, then succeeds
    "10-4": greet,
    "10-5": greet,
    "10-6": wait_two_seconds,
    "10-7": fails_permanently,  # the 1-19 handler: a step without retry that always fails
}
