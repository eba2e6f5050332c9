"""The map / parallel result types (`BatchResult`, `BatchItem`, `CompletionReason`,
`BatchCompletionError`). The host schedules the branches (concurrency, completion policy,
resume of suspended branches) and computes the BatchResult; `.._batch` runs each branch it
is handed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, List, Optional, TypeVar

from ..config import (BatchItemStatus, CompletionDecision, CompletionItemStatus,  # noqa: F401
                      CompletionOutcome, CompletionStatus, ParallelBranch)
from ..exceptions import ChildContextError, DurableOperationError, register_operation_error
from ..lambda_service import ErrorObject

R = TypeVar("R")

__all__ = ["BatchCompletionError", "BatchItem", "BatchItemStatus", "BatchResult",
           "CompletionReason", "ParallelBranch"]


class CompletionReason(Enum):
    """Why a batch ended. The CUSTOM_* reasons come from a `should_complete` predicate."""

    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"
    CUSTOM_COMPLETION_SUCCEEDED = "CUSTOM_COMPLETION_SUCCEEDED"
    CUSTOM_COMPLETION_FAILED = "CUSTOM_COMPLETION_FAILED"


class BatchCompletionError(DurableOperationError):
    """Raised by `BatchResult.throw_if_error` for a batch a custom completion decision
    failed (CUSTOM_COMPLETION_FAILED) with no failed item."""

    def __init__(self, completion_reason: CompletionReason = CompletionReason.CUSTOM_COMPLETION_FAILED,
                 message=None, error_type=None, data=None, stack_trace=None):
        super().__init__(message or "Batch completed as failed by should_complete "
                         f"({completion_reason.value})", error_type, data, stack_trace)
        self.completion_reason = completion_reason


register_operation_error(BatchCompletionError)


@dataclass
class BatchItem(Generic[R]):
    index: int
    status: BatchItemStatus
    result: Optional[R] = None
    error: Optional[ErrorObject] = None


@dataclass
class BatchResult(Generic[R]):
    """The started branches in index order, and why the batch ended."""

    all: List[BatchItem[R]]
    completion_reason: CompletionReason

    def succeeded(self) -> List[BatchItem]:
        return [i for i in self.all if i.status is BatchItemStatus.SUCCEEDED]

    def failed(self) -> List[BatchItem]:
        return [i for i in self.all if i.status is BatchItemStatus.FAILED]

    def started(self) -> List[BatchItem]:
        """Branches still running when the batch completed early."""
        return [i for i in self.all if i.status is BatchItemStatus.STARTED]

    def get_results(self) -> list:
        return [i.result for i in self.succeeded()]

    def get_errors(self) -> List[ErrorObject]:
        return [i.error for i in self.failed() if i.error is not None]

    errors = get_errors

    @property
    def has_failure(self) -> bool:
        return bool(self.failed())

    @property
    def status(self) -> BatchItemStatus:
        return BatchItemStatus.FAILED if self.has_failure else BatchItemStatus.SUCCEEDED

    @property
    def success_count(self) -> int:
        return len(self.succeeded())

    @property
    def failure_count(self) -> int:
        return len(self.failed())

    @property
    def started_count(self) -> int:
        return len(self.started())

    @property
    def total_count(self) -> int:
        return len(self.all)

    def to_dict(self) -> dict:
        """A JSON-ready dict in the AWS SDK's shape (`all`: index, status, decoded result,
        error; `completionReason`), e.g. for a whole-result serdes."""
        return {"all": [{"index": i.index, "status": i.status.value, "result": i.result,
                         "error": i.error.to_dict() if i.error else None} for i in self.all],
                "completionReason": self.completion_reason.value}

    @classmethod
    def from_dict(cls, data: dict) -> "BatchResult":
        """The inverse of `to_dict` (for whole-result serdes that store that shape)."""
        items = []
        for d in data.get("all", []):
            e = d.get("error")
            error = (ErrorObject(e.get("ErrorMessage"), e.get("ErrorType"), e.get("ErrorData"),
                                 e.get("StackTrace")) if e else None)
            items.append(BatchItem(d["index"], BatchItemStatus(d["status"]), d.get("result"),
                                   error))
        reason = data.get("completionReason", CompletionReason.ALL_COMPLETED.value)
        return cls(items, CompletionReason(reason))

    def throw_if_error(self) -> None:
        """Raises ChildContextError with the first failed branch's error (or
        BatchCompletionError for a batch failed by a custom completion decision)."""
        for item in self.failed():
            error = item.error
            if error is None:
                raise ChildContextError(f"Batch item {item.index} failed without an "
                                        "ErrorObject.")
            raise ChildContextError(error.message, error.type, error.data, error.stack_trace)
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            raise BatchCompletionError(self.completion_reason)
