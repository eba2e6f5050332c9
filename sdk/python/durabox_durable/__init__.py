"""durabox_durable: durabox's name for its Python guest SDK. The SDK itself is the package
`aws_durable_execution_sdk_python` next to this one (AWS's module name and layout, so AWS
handlers run unchanged); this package is an alias of it, kept for handlers written
against earlier durabox releases:

* `durabox_durable.<module>` (config, context, exceptions, ...) IS
  `aws_durable_execution_sdk_python.<module>` (the same module object), so classes,
  `isinstance` checks and recorded error types (`aws_durable_execution_sdk_python.
  exceptions.StepError`, ...) are the same whichever name a handler imports;
* the top level exports AWS's top-level names plus the configuration, result, serdes,
  plugin and context types handlers used to import from here."""

import importlib as _importlib
import sys as _sys

_SDK = "aws_durable_execution_sdk_python"
# Every module of the SDK, and this package's former `batch` module (now
# `concurrency.models`), registered as `durabox_durable.<name>`.
_MODULES = {name: name for name in (
    "concurrency", "concurrency.models", "config", "constants", "context", "exceptions",
    "execution", "filesystem_serdes", "lambda_service", "logger", "plugin",
    "plugin_discovery", "preview", "retries", "serdes", "types", "waits")}
_MODULES["batch"] = "concurrency.models"

for _alias, _name in _MODULES.items():
    _module = _importlib.import_module(f"{_SDK}.{_name}")
    _sys.modules[f"{__name__}.{_alias}"] = _module
    if "." not in _alias:
        globals()[_alias] = _module

from aws_durable_execution_sdk_python import *  # noqa: E402,F401,F403
from aws_durable_execution_sdk_python.concurrency.models import (  # noqa: E402,F401
    BatchItem, CompletionReason)
from aws_durable_execution_sdk_python.config import (  # noqa: E402,F401
    CallbackConfig, ChildConfig, CompletionConfig, Duration, InvokeConfig, JitterStrategy,
    MapConfig, NestingType, ParallelConfig, StepConfig, StepSemantics, WaitForCallbackConfig)
from aws_durable_execution_sdk_python.context import (  # noqa: E402,F401
    Callback, Logger, LoggerConfig)
from aws_durable_execution_sdk_python.exceptions import (  # noqa: E402,F401
    CallableRuntimeError, SuspendExecution, TerminationReason, UnrecoverableError)
from aws_durable_execution_sdk_python.execution import Handler  # noqa: E402,F401
from aws_durable_execution_sdk_python.lambda_service import ErrorObject  # noqa: E402,F401
from aws_durable_execution_sdk_python.plugin import (  # noqa: E402,F401
    DurableInstrumentationPlugin, DurableInstrumentationPluginFactory, InvocationEndInfo,
    InvocationInfo, InvocationStartInfo, InvocationStatus, OperationEndInfo, OperationInfo,
    OperationStartInfo, OperationStatus, OperationType, UserFunctionEndInfo,
    UserFunctionOutcome, UserFunctionStartInfo)
from aws_durable_execution_sdk_python.retries import (  # noqa: E402,F401
    LinearRetryStrategyConfig, RetryDecision, RetryPresets, RetryStrategy,
    RetryStrategyConfig, create_linear_retry_strategy, create_retry_strategy)
from aws_durable_execution_sdk_python.serdes import (  # noqa: E402,F401
    JsonSerDes, PassThroughSerDes, SerDes, SerDesContext)
from aws_durable_execution_sdk_python.types import (  # noqa: E402,F401
    OperationContext, WaitForCallbackContext, WaitForConditionCheckContext)
from aws_durable_execution_sdk_python.waits import (  # noqa: E402,F401
    WaitForConditionConfig, WaitForConditionDecision, WaitStrategy, WaitStrategyConfig,
    create_wait_strategy)

# The durabox release this SDK ships with (not the AWS SDK version it mirrors); set after
# the star import, which brings AWS's `__version__`.
__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")] + ["__version__"]
