"""aws_durable_execution_sdk_python for durabox: the AWS Lambda durable functions SDK for
Python (API of `aws-durable-execution-sdk-python` 3.0, same module layout and names),
implemented over the `durabox:durable` WIT world, so that handlers written for AWS build
into durabox components unchanged. The host owns operation ids, replay, retries and
completion policies. Build a component with componentize-py 0.25.1 (see
sdk/python/README.md); `durabox_durable` is the same SDK under durabox's name.

The top level exports exactly what AWS's does."""

from .__about__ import __version__
from .concurrency.models import BatchCompletionError, BatchResult
from .config import (BatchItemStatus, CompletionDecision, CompletionItemStatus,
                     CompletionOutcome, CompletionStatus, ParallelBranch, complete_batch,
                     continue_batch)
from .context import (DurableContext, durable_parallel_branch, durable_step,
                      durable_wait_for_callback, durable_with_child_context)
from .exceptions import (CallbackError, CallbackExternalError, CallbackSubmitterError,
                         CallbackTimeoutError, ChildContextError, DurableExecutionsError,
                         DurableOperationError, ExecutionError, InvocationError, InvokeError,
                         PluginLoadError, RetryableSerDesError, SerDesError, StepError,
                         ValidationError, WaitForConditionError)
from .execution import durable_execution
from .retries import WithRetryConfig, with_retry
from .types import StepContext

# Every module is imported here: a component finds at run time only the SDK modules that
# were imported while componentize-py built it (seen with 0.25.1), so this makes
# `import aws_durable_execution_sdk_python.preview` work inside a handler function too.
from . import (_batch, constants, filesystem_serdes, lambda_service, logger,  # noqa: E402,F401
               plugin_discovery, preview)

__all__ = [
    "BatchCompletionError", "BatchItemStatus", "BatchResult", "CallbackError",
    "CallbackExternalError", "CallbackSubmitterError", "CallbackTimeoutError",
    "ChildContextError", "CompletionDecision", "CompletionItemStatus", "CompletionOutcome",
    "CompletionStatus", "DurableContext", "DurableExecutionsError", "DurableOperationError",
    "ExecutionError", "InvocationError", "InvokeError", "ParallelBranch", "PluginLoadError",
    "RetryableSerDesError", "SerDesError", "StepContext", "StepError", "ValidationError",
    "WaitForConditionError", "WithRetryConfig", "__version__", "complete_batch",
    "continue_batch", "durable_execution", "durable_parallel_branch", "durable_step",
    "durable_wait_for_callback", "durable_with_child_context", "with_retry",
]
