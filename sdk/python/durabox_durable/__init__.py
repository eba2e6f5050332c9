"""durabox_durable: the Python guest SDK of durabox, mirroring the AWS Lambda durable
functions SDK (`aws_durable_execution_sdk_python`) over the `durabox:durable` WIT world.
Build a component with componentize-py 0.25.1 (see sdk/python/README.md)."""

from .batch import BatchItem, BatchItemStatus, BatchResult, CompletionReason, ParallelBranch
from .config import (CallbackConfig, ChildConfig, CompletionConfig, Duration, InvokeConfig,
                     JitterStrategy, MapConfig, NestingType, ParallelConfig, StepConfig,
                     StepSemantics, WaitForCallbackConfig)
from .context import (Callback, DurableContext, Logger, LoggerConfig, StepContext,
                      WaitForCallbackContext, WaitForConditionCheckContext, durable_step,
                      durable_with_child_context)
from .exceptions import (CallableRuntimeError, CallbackError, CallbackSubmitterError,
                         CallbackTimeoutError, ChildContextError, DurableExecutionsError,
                         ErrorObject, InvokeError, SerDesError, StepError, SuspendExecution,
                         ValidationError, WaitForConditionError)
from .execution import Handler, durable_execution
from .plugin import (DurableInstrumentationPlugin, DurableInstrumentationPluginFactory,
                     InvocationEndInfo, InvocationInfo, InvocationStartInfo, InvocationStatus,
                     OperationEndInfo, OperationInfo, OperationStartInfo, OperationStatus,
                     OperationType, UserFunctionEndInfo, UserFunctionOutcome,
                     UserFunctionStartInfo)
from .serdes import JsonSerDes, PassThroughSerDes, SerDes, SerDesContext
from .retries import (RetryDecision, RetryPresets, RetryStrategy, RetryStrategyConfig,
                      create_retry_strategy)
from .waits import (WaitForConditionConfig, WaitForConditionDecision, WaitStrategy,
                    WaitStrategyConfig, create_wait_strategy)

__all__ = [name for name in dir() if not name.startswith("_")]
