"""map and parallel. The host schedules branches (concurrency, completion policy, resume
of suspended branches) and computes the BatchResult; the SDK runs each branch it is handed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, List, Optional

from . import serdes
from ._wit import Err, Ok, call, drop, wit
from .config import (BatchItemStatus, CompletionConfig, MapConfig, NestingType,
                     ParallelBranch, ParallelConfig)
from .exceptions import (ChildContextError, DurableOperationError, ErrorObject,
                         InvocationError, SerDesError, SuspendExecution, ValidationError,
                         error_object, register_operation_error)

__all__ = ["BatchCompletionError", "BatchItem", "BatchItemStatus", "BatchResult",
           "CompletionReason", "ParallelBranch"]


class CompletionReason(Enum):
    """Why a batch ended. The CUSTOM_* reasons belong to `should_complete`, which the
    durabox host does not apply, so they never occur here."""

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
class BatchItem:
    index: int
    status: BatchItemStatus
    result: Any = None
    error: Optional[ErrorObject] = None


@dataclass
class BatchResult:
    """The started branches in index order, and why the batch ended."""

    all: List[BatchItem]
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


def _wit_config(max_concurrency, completion: CompletionConfig, nesting: NestingType, names):
    if completion.should_complete is not None:
        raise ValidationError("CompletionConfig.should_complete is not supported by durabox: "
                              "the host applies min_successful / tolerated_failure_* only")
    return wit.BatchConfig(
        max_concurrency=max_concurrency,
        completion=wit.CompletionConfig(
            min_successful=completion.min_successful,
            tolerated_failure_count=completion.tolerated_failure_count,
            tolerated_failure_percentage=(None if completion.tolerated_failure_percentage is None
                                          else float(completion.tolerated_failure_percentage))),
        nesting=wit.Nesting.FLAT if nesting == NestingType.FLAT else wit.Nesting.NESTED,
        branch_names=names)


def run_map(ctx, items: list, func, name, config: Optional[MapConfig]) -> BatchResult:
    config = config or MapConfig()
    names = None
    if config.item_namer is not None:
        names = [config.item_namer(item, i) for i, item in enumerate(items)]
    wit_config = _wit_config(config.max_concurrency, config.completion_config,
                             config.nesting_type, names)
    return _run(ctx, name, wit.BatchKind.MAP, len(items), wit_config,
                lambda branch, i: func(branch, items[i], i, items),
                config.item_serdes, config.serdes)


def run_parallel(ctx, functions: list, name, config: Optional[ParallelConfig]) -> BatchResult:
    config = config or ParallelConfig()
    names = None
    if any(getattr(f, "name", None) for f in functions if isinstance(f, ParallelBranch)):
        names = [(f.name if isinstance(f, ParallelBranch) and f.name else f"parallel-branch-{i}")
                 for i, f in enumerate(functions)]
    wit_config = _wit_config(config.max_concurrency, config.completion_config,
                             config.nesting_type, names)
    return _run(ctx, name, wit.BatchKind.PARALLEL, len(functions), wit_config,
                lambda branch, i: functions[i](branch), config.item_serdes, config.serdes)


def _run(ctx, name, kind, count, wit_config, body, item_serdes, result_serdes) -> BatchResult:
    arn = ctx.execution_arn
    flat = wit_config.nesting == wit.Nesting.FLAT
    ctx._issued += 1
    start = call(ctx._raw.batch_begin, name, kind, count, wit_config)
    if isinstance(start, wit.BatchStart_Done):
        done = start.value
        if done.outcome is None:
            if result_serdes is None:
                raise SerDesError("the recorded batch result was written by a whole-result "
                                  "serdes; pass the same serdes to read it")
            return serdes.deserialize(result_serdes, done.payload, None, arn)
        return _convert(done.outcome, item_serdes, arn)
    if isinstance(start, wit.BatchStart_Failed):
        raise ChildContextError.from_error_object(start.value)
    batch = start.value
    with batch:
        while (branch := call(batch.next)) is not None:
            branch_id = branch.ctx.id()
            try:
                value = body(ctx._child_context(branch.ctx, flat), branch.index)
                result = Ok(serdes.serialize(item_serdes, value, branch_id, arn))
            except SuspendExecution:
                drop(branch.ctx)  # this branch waits: the other branches go on
                continue
            except InvocationError as e:
                if not e.is_retryable():
                    result = Err(error_object(e))
                else:  # the invocation is retried: nothing recorded for the branch
                    drop(branch.ctx)
                    raise
            except Exception as e:  # noqa: BLE001  (a failed branch is recorded, not raised)
                result = Err(error_object(e))
            call(batch.branch_end, branch.index, branch.ctx, result)
        if result_serdes is None:
            return _convert(call(batch.finish, None), item_serdes, arn)
        # settle first: the whole-result serdes writes the container's payload
        result = _convert(call(batch.settle), item_serdes, arn)
        payload = serdes.serialize(result_serdes, result, None, arn)
        call(batch.finish, payload)
        return result


def _convert(outcome, item_serdes, arn) -> BatchResult:
    items = []
    for item in outcome.items:
        status = BatchItemStatus[item.status.name]
        result = None
        if status is BatchItemStatus.SUCCEEDED:
            result = serdes.deserialize(item_serdes, item.result, None, arn)
        error = ErrorObject.from_wit(item.error) if item.error is not None else None
        items.append(BatchItem(item.index, status, result, error))
    return BatchResult(items, CompletionReason[outcome.completion_reason.name])
