"""map and parallel. The host schedules branches (concurrency, completion policy, resume
of suspended branches) and computes the BatchResult; the SDK runs each branch it is handed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, List, Optional

from . import serdes
from ._wit import Err, Ok, call, drop, wit
from .config import CompletionConfig, MapConfig, NestingType, ParallelConfig
from .exceptions import (ChildContextError, ErrorObject, SerDesError, SuspendExecution,
                         error_object)


class BatchItemStatus(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STARTED = "STARTED"


class CompletionReason(Enum):
    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"


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

    def throw_if_error(self) -> None:
        """Raises ChildContextError with the first failed branch's error."""
        for error in self.get_errors():
            raise ChildContextError(error.message, error.type, error.data, error.stack_trace)


@dataclass
class ParallelBranch:
    """A parallel branch with its own name (default `parallel-branch-<i>`)."""

    func: Callable
    name: Optional[str] = None

    def __call__(self, ctx):
        return self.func(ctx)


def _wit_config(max_concurrency, completion: CompletionConfig, nesting: NestingType, names):
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
                lambda branch, i: func(branch, items[i], i, items))


def run_parallel(ctx, functions: list, name, config: Optional[ParallelConfig]) -> BatchResult:
    config = config or ParallelConfig()
    names = None
    if any(getattr(f, "name", None) for f in functions if isinstance(f, ParallelBranch)):
        names = [(f.name if isinstance(f, ParallelBranch) and f.name else f"parallel-branch-{i}")
                 for i, f in enumerate(functions)]
    wit_config = _wit_config(config.max_concurrency, config.completion_config,
                             config.nesting_type, names)
    return _run(ctx, name, wit.BatchKind.PARALLEL, len(functions), wit_config,
                lambda branch, i: functions[i](branch))


def _run(ctx, name, kind, count, wit_config, body) -> BatchResult:
    start = call(ctx._raw.batch_begin, name, kind, count, wit_config)
    if isinstance(start, wit.BatchStart_Done):
        if start.value.outcome is None:
            raise SerDesError("the recorded batch result was written by a whole-result serdes; "
                              "pass the same serdes to read it")
        return _convert(start.value.outcome)
    if isinstance(start, wit.BatchStart_Failed):
        raise ChildContextError.from_error_object(start.value)
    batch = start.value
    with batch:
        while (branch := call(batch.next)) is not None:
            try:
                result = Ok(serdes.dumps(body(type(ctx)(branch.ctx), branch.index)))
            except SuspendExecution:
                drop(branch.ctx)  # this branch waits: the other branches go on
                continue
            except Exception as e:  # noqa: BLE001  (a failed branch is recorded, not raised)
                result = Err(error_object(e))
            call(batch.branch_end, branch.index, branch.ctx, result)
        return _convert(call(batch.finish, None))


def _convert(outcome) -> BatchResult:
    items = []
    for item in outcome.items:
        status = BatchItemStatus[item.status.name]
        result = serdes.loads(item.result) if status is BatchItemStatus.SUCCEEDED else None
        error = ErrorObject.from_wit(item.error) if item.error is not None else None
        items.append(BatchItem(item.index, status, result, error))
    return BatchResult(items, CompletionReason[outcome.completion_reason.name])
