"""durabox_durable: the Python guest SDK of durabox, mirroring the AWS Lambda durable
functions SDK (`aws_durable_execution_sdk_python` 3.0) over the `durabox:durable` WIT
world. Build a component with componentize-py 0.25.1 (see sdk/python/README.md)."""

# The durabox release this SDK ships with (not the AWS SDK version it mirrors).
__version__ = "0.1.0"

from .batch import (BatchCompletionError, BatchItem, BatchItemStatus, BatchResult,
                    CompletionReason, ParallelBranch)
from .config import (CallbackConfig, ChildConfig, CompletionConfig, CompletionDecision,
                     CompletionItemStatus, CompletionOutcome, CompletionStatus, Duration,
                     InvokeConfig, JitterStrategy, MapConfig, NestingType, ParallelConfig,
                     StepConfig, StepSemantics, WaitForCallbackConfig, complete_batch,
                     continue_batch)
from .context import (Callback, DurableContext, Logger, LoggerConfig,
                      durable_parallel_branch, durable_step, durable_wait_for_callback,
                      durable_with_child_context)
from .exceptions import (CallableRuntimeError, CallbackError, CallbackExternalError,
                         CallbackSubmitterError, CallbackTimeoutError, ChildContextError,
                         DurableExecutionsError, DurableOperationError, ErrorObject,
                         ExecutionError, InvocationError, InvokeError, PluginLoadError,
                         RetryableSerDesError, SerDesError, StepError, SuspendExecution,
                         TerminationReason, UnrecoverableError, ValidationError,
                         WaitForConditionError)
from .execution import Handler, durable_execution
from .plugin import (DurableInstrumentationPlugin, DurableInstrumentationPluginFactory,
                     InvocationEndInfo, InvocationInfo, InvocationStartInfo, InvocationStatus,
                     OperationEndInfo, OperationInfo, OperationStartInfo, OperationStatus,
                     OperationType, UserFunctionEndInfo, UserFunctionOutcome,
                     UserFunctionStartInfo)
from .serdes import JsonSerDes, PassThroughSerDes, SerDes, SerDesContext
from .retries import (LinearRetryStrategyConfig, RetryDecision, RetryPresets, RetryStrategy,
                      RetryStrategyConfig, WithRetryConfig, create_linear_retry_strategy,
                      create_retry_strategy, with_retry)
from .types import (OperationContext, StepContext, WaitForCallbackContext,
                    WaitForConditionCheckContext)
from .waits import (WaitForConditionConfig, WaitForConditionDecision, WaitStrategy,
                    WaitStrategyConfig, create_wait_strategy)

__all__ = [name for name in dir() if not name.startswith("_")] + ["__version__"]
