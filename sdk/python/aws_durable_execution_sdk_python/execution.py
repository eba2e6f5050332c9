"""The handler export. `@durable_execution` registers `handler(event, context)` and puts
the `Handler` class componentize-py looks for (the exported WIT interface `handler`)
into the handler's module, so an app needs nothing else."""

from __future__ import annotations

import json
import sys

from . import plugin as _plugin
from ._wit import wit
from .context import DurableContext, _reset_invocation
from .exceptions import InvocationError, SuspendExecution, error_object
from .lambda_service import ErrorObject

_Status = _plugin.InvocationStatus
# Lambda's limit on a response payload (6 MiB, minus room for the envelope).
LAMBDA_RESPONSE_SIZE_LIMIT = 6 * 1024 * 1024 - 50
_handler = None
_plugins: list = []  # the `plugins=` entries of the decorator

try:
    from wit_world.exports import Handler as _Protocol
except ImportError:  # bindings of another world: no export to implement
    _Protocol = object


class Handler(_Protocol):
    """Implements `durabox:durable/handler`: runs the registered handler and maps how it
    ended to the invocation output (return value -> SUCCEEDED with `json.dumps(value)`,
    SuspendExecution -> PENDING, any other exception -> FAILED with its ErrorObject),
    with the plugins' invocation hooks around it."""

    def handle(self, ctx, input: str):
        if _handler is None:
            return wit.InvocationOutput_Failed(wit.ErrorObject(
                "NoHandler", "no function decorated with @durable_execution", None, None))
        wit.declare_sdk(wit.SdkFlavour.PYTHON)  # ids and host-made errors as AWS's SDK
        wit.handler_started()  # what ran before was the runtime's start-up (random reseed)
        _reset_invocation()
        result = error = None
        try:
            if _plugins:
                _plugin.start_invocation(_plugins, ctx.execution_arn(), wit.invocation_envelope,
                                         input)
            event = json.loads(input) if input.strip() else {}
            result = json.dumps(_handler(event, DurableContext(ctx)))
            output, status = wit.InvocationOutput_Succeeded(result), _Status.SUCCEEDED
        except SuspendExecution:
            output, status = wit.InvocationOutput_Pending(), _Status.PENDING
        except InvocationError as e:
            if e.is_retryable():
                # Lambda retries an invocation whose handler raised: escaping the export
                # traps the component, and the host invokes the handler again.
                raise
            failed = error_object(e)
            output, status = wit.InvocationOutput_Failed(failed), _Status.FAILED
            error = ErrorObject.from_wit(failed)
        except Exception as e:  # noqa: BLE001
            failed = error_object(e)
            output, status = wit.InvocationOutput_Failed(failed), _Status.FAILED
            error = ErrorObject.from_wit(failed)
        try:
            _plugin.end_invocation(status, error, result)
        except SuspendExecution:  # never swallowed: the invocation ends pending
            return wit.InvocationOutput_Pending()
        return output


def durable_execution(func=None, *, plugins=None):
    """Marks `func(event, context)` as the component's durable handler:
    `@durable_execution`, or `@durable_execution(plugins=[...])` to register
    instrumentation plugins (see `aws_durable_execution_sdk_python.plugin`)."""
    if func is None:
        entries = _plugin.check_registrations(plugins)
        return lambda f: _register(f, entries)
    return _register(func, _plugin.check_registrations(plugins))


def _register(func, plugins):
    global _handler, _plugins
    _handler, _plugins = func, plugins
    module = sys.modules.get(func.__module__)
    if module is not None and not hasattr(module, "Handler"):
        module.Handler = Handler
    return func
