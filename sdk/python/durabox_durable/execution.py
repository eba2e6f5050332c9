"""The handler export. `@durable_execution` registers `handler(event, context)` and puts
the `Handler` class componentize-py looks for (the exported WIT interface `handler`)
into the handler's module, so an app needs nothing else."""

from __future__ import annotations

import json
import sys

from ._wit import wit
from .context import DurableContext, _reset_logger_config
from .exceptions import SuspendExecution, error_object

_handler = None

try:
    from wit_world.exports import Handler as _Protocol
except ImportError:  # bindings of another world: no export to implement
    _Protocol = object


class Handler(_Protocol):
    """Implements `durabox:durable/handler`: runs the registered handler and maps how it
    ended to the invocation output (return value -> SUCCEEDED with `json.dumps(value)`,
    SuspendExecution -> PENDING, any other exception -> FAILED with its ErrorObject)."""

    def handle(self, ctx, input: str):
        if _handler is None:
            return wit.InvocationOutput_Failed(wit.ErrorObject(
                "NoHandler", "no function decorated with @durable_execution", None, None))
        wit.handler_started()  # what ran before was the runtime's start-up (random reseed)
        _reset_logger_config()
        try:
            event = json.loads(input) if input.strip() else {}
            return wit.InvocationOutput_Succeeded(json.dumps(_handler(event, DurableContext(ctx))))
        except SuspendExecution:
            return wit.InvocationOutput_Pending()
        except Exception as e:  # noqa: BLE001
            return wit.InvocationOutput_Failed(error_object(e))


def durable_execution(func):
    """Marks `func(event, context)` as the component's durable handler."""
    global _handler
    _handler = func
    module = sys.modules.get(func.__module__)
    if module is not None and not hasattr(module, "Handler"):
        module.Handler = Handler
    return func
