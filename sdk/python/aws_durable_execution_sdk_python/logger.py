"""`aws_durable_execution_sdk_python.logger`: the context logger (defined in
`aws_durable_execution_sdk_python.context`) and its configuration."""

from .context import Logger, LoggerConfig  # noqa: F401
from .types import LoggerInterface  # noqa: F401
