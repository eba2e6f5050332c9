"""The Python handlers of AWS's durable-execution conformance suite
(`aws-durable-execution-conformance-tests` 1.0.0), one component for all of them: the
Python counterpart of tests/guests/rust/conformance.

The environment variable `DURABOX_CONFORMANCE_FN` holds the requirement id (e.g. `1-11`)
and selects the handler; tests/conformance/python.yaml maps each id to a function that
sets it. The chained-invoke targets of suite 5 are served too, with ids `target-<kind>`.
Suite 10 (plugins) registers its plugins on the decorator; they sit out other requirements."""

import os

import callback_handlers
import child_handlers
import condition_handlers
import invoke_handlers
import map_handlers
import parallel_handlers
import plugin_handlers
import step_handlers
import wait_for_callback_handlers
import wait_handlers
from durabox_durable import DurableContext, durable_execution

FN_VAR = "DURABOX_CONFORMANCE_FN"

# suite number -> the module whose HANDLERS maps requirement ids to handler(ctx, input)
SUITES = {
    "1": step_handlers, "2": wait_handlers, "3": child_handlers, "4": callback_handlers,
    "5": invoke_handlers, "6": condition_handlers, "7": wait_for_callback_handlers,
    "8": parallel_handlers, "9": map_handlers, "10": plugin_handlers,
}


class UnknownRequirement(Exception):
    pass


# Suite 10's plugins; each factory returns the requirement's plugin, or None elsewhere.
@durable_execution(plugins=plugin_handlers.FACTORIES)
def handler(event, context: DurableContext):
    fn_id = os.environ.get(FN_VAR, "")
    suite = fn_id.split("-", 1)[0]
    if suite == "target":
        target = invoke_handlers.TARGETS.get(fn_id)
        if target is not None:
            return target(event)
    elif suite in SUITES:
        func = SUITES[suite].HANDLERS.get(fn_id)
        if func is not None:
            return func(context, event)
    raise UnknownRequirement(f"{FN_VAR}={fn_id!r} names no implemented requirement")
