"""`aws_durable_execution_sdk_python.concurrency.models`: the map / parallel result types
(defined in `durabox_durable.batch`)."""

from ..batch import (BatchCompletionError, BatchItem, BatchItemStatus, BatchResult,  # noqa: F401
                     CompletionReason)
