"""map and parallel: runs each branch the host hands out and converts the host's batch
outcome to a `BatchResult` (`concurrency.models`)."""

from __future__ import annotations

from typing import Optional

from . import serdes
from ._wit import Err, Ok, call, drop, wit
from .concurrency.models import BatchItem, BatchResult, CompletionReason
from .config import (BatchItemStatus, CompletionConfig, CompletionItemStatus, CompletionOutcome,
                     CompletionStatus, MapConfig, NestingType, ParallelBranch, ParallelConfig)
from .exceptions import (ChildContextError, InvocationError, SerDesError, SuspendExecution,
                         error_object)
from .lambda_service import ErrorObject


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
    predicate = _Predicate.of(config.completion_config, names, len(items))
    return _run(ctx, name, wit.BatchKind.MAP, len(items), wit_config,
                lambda branch, i: func(branch, items[i], i, items),
                config.item_serdes, config.serdes, predicate)


def run_parallel(ctx, functions: list, name, config: Optional[ParallelConfig]) -> BatchResult:
    config = config or ParallelConfig()
    names = None
    if any(getattr(f, "name", None) for f in functions if isinstance(f, ParallelBranch)):
        names = [(f.name if isinstance(f, ParallelBranch) and f.name else f"parallel-branch-{i}")
                 for i, f in enumerate(functions)]
    wit_config = _wit_config(config.max_concurrency, config.completion_config,
                             config.nesting_type, names)
    own_names = [f.name if isinstance(f, ParallelBranch) else None for f in functions]
    predicate = _Predicate.of(config.completion_config, own_names, len(functions))
    return _run(ctx, name, wit.BatchKind.PARALLEL, len(functions), wit_config,
                lambda branch, i: functions[i](branch), config.item_serdes, config.serdes,
                predicate)


class _Predicate:
    """A `should_complete` predicate, applied as AWS's coordinator does: on the batch's
    state before any branch runs and after every branch that ends, with the host's
    per-branch statuses; the host completes the batch when it says so."""

    def __init__(self, should_complete, names, count: int):
        self._should_complete = should_complete
        self._names = names or [None] * count
        self._count = count

    @classmethod
    def of(cls, completion: CompletionConfig, names, count: int) -> Optional["_Predicate"]:
        if completion.should_complete is None:
            return None
        return cls(completion.should_complete, names, count)

    def apply(self, batch) -> None:
        statuses = batch.progress()
        items = tuple(
            CompletionItemStatus(index=i, name=self._names[i],
                                 status=None if s is None else BatchItemStatus[s.name])
            for i, s in enumerate(statuses))
        succeeded = sum(1 for i in items if i.status is BatchItemStatus.SUCCEEDED)
        failed = sum(1 for i in items if i.status is BatchItemStatus.FAILED)
        decision = self._should_complete(CompletionStatus(
            success_count=succeeded, failure_count=failed, completed_count=succeeded + failed,
            total_count=self._count, items=items))
        outcome = None
        if decision is not None and decision.complete:
            outcome = (wit.CustomOutcome.FAILED if decision.outcome is CompletionOutcome.FAILED
                       else wit.CustomOutcome.SUCCEEDED)
        call(batch.decide, outcome)


def _run(ctx, name, kind, count, wit_config, body, item_serdes, result_serdes,
         predicate: Optional[_Predicate] = None) -> BatchResult:
    """As the AWS SDK: each branch's result is written by `item_serdes` (or `result_serdes`,
    or ExtendedTypeSerDes); the whole BatchResult by `result_serdes` (ExtendedTypeSerDes when
    None: its "br" envelope with the typed item results), which the container records and a
    replay reads back. Returns the result read back through that serdes, as a replay would."""
    arn = ctx.execution_arn
    flat = wit_config.nesting == wit.Nesting.FLAT
    item_serdes = item_serdes or result_serdes
    ctx._issued += 1
    start = call(ctx._raw.batch_begin, name, kind, count, wit_config)
    if isinstance(start, wit.BatchStart_Done):
        return _recorded(start.value, item_serdes, result_serdes, arn)
    if isinstance(start, wit.BatchStart_Failed):
        raise ChildContextError.from_error_object(start.value)
    batch = start.value
    with batch:
        if predicate is not None:
            predicate.apply(batch)
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
            if predicate is not None:
                predicate.apply(batch)
        # settle first: the container's payload is our serialization of the outcome
        result = _convert(call(batch.settle), item_serdes, arn)
        payload = serdes.serialize(result_serdes, result, None, arn)
        call(batch.finish, payload)
        return serdes.deserialize(result_serdes, payload, None, arn)


def _recorded(done, item_serdes, result_serdes, arn) -> BatchResult:
    """A batch recorded earlier. Its payload is ours (read back through the serdes that
    wrote it), unless the host wrote it: then (an execution recorded by an earlier durabox
    without a whole-result serdes) the host's reading of it is converted."""
    if result_serdes is None and done.outcome is not None:
        return _convert(done.outcome, item_serdes, arn)
    if done.payload is None:
        if done.outcome is not None:
            return _convert(done.outcome, item_serdes, arn)
        raise SerDesError("the recorded batch has no result payload")
    return serdes.deserialize(result_serdes, done.payload, None, arn)


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
