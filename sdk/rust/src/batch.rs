//! map and parallel. The host schedules branches (concurrency, completion policy,
//! resume of suspended branches); the SDK runs each branch it is handed.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::durabox::durable::types::{self as wit, BatchStart, Branch};
use crate::{
    DurableContext, DurableError, DurableResult, ErrorObject, JsonSerdes, OperationName, Serdes,
};

pub use wit::{CompletionReason, ItemStatus as BatchItemStatus, Nesting};

impl CompletionReason {
    /// The name AWS's SDKs give the reason (`"ALL_COMPLETED"`, …). The `Custom*` reasons
    /// only come from a guest's own completion predicate, which this SDK does not offer.
    pub fn aws_name(self) -> &'static str {
        match self {
            Self::AllCompleted => "ALL_COMPLETED",
            Self::MinSuccessfulReached => "MIN_SUCCESSFUL_REACHED",
            Self::FailureToleranceExceeded => "FAILURE_TOLERANCE_EXCEEDED",
            Self::CustomCompletionSucceeded => "CUSTOM_COMPLETION_SUCCEEDED",
            Self::CustomCompletionFailed => "CUSTOM_COMPLETION_FAILED",
        }
    }
}

/// AWS `CompletionConfig`: when a batch is done. The default (nothing set) fails fast.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompletionConfig {
    pub min_successful: Option<u32>,
    pub tolerated_failure_count: Option<u32>,
    pub tolerated_failure_percentage: Option<f64>,
}

impl CompletionConfig {
    /// Done as soon as one branch succeeds.
    pub fn first_successful() -> Self {
        Self {
            min_successful: Some(1),
            ..Self::default()
        }
    }

    /// Every branch runs, whatever fails.
    pub fn all_completed() -> Self {
        Self {
            tolerated_failure_percentage: Some(100.0),
            ..Self::default()
        }
    }

    /// Every branch must succeed (the parallel default).
    pub fn all_successful() -> Self {
        Self {
            tolerated_failure_count: Some(0),
            tolerated_failure_percentage: Some(0.0),
            ..Self::default()
        }
    }

    fn to_wit(&self) -> wit::CompletionConfig {
        wit::CompletionConfig {
            min_successful: self.min_successful,
            tolerated_failure_count: self.tolerated_failure_count,
            tolerated_failure_percentage: self.tolerated_failure_percentage,
        }
    }
}

/// A map's names each item's branch: `|item, index| name`.
pub type ItemNamer<I> = Box<dyn Fn(&I, usize) -> String>;

/// AWS `MapConfig`.
pub struct MapConfig<I> {
    pub max_concurrency: Option<u32>,
    pub completion: CompletionConfig,
    pub nesting: Nesting,
    pub item_namer: Option<ItemNamer<I>>,
}

impl<I> Default for MapConfig<I> {
    fn default() -> Self {
        Self {
            max_concurrency: None,
            completion: CompletionConfig::default(),
            nesting: Nesting::Nested,
            item_namer: None,
        }
    }
}

/// AWS `ParallelConfig` (default completion: all successful).
#[derive(Clone, Debug)]
pub struct ParallelConfig {
    pub max_concurrency: Option<u32>,
    pub completion: CompletionConfig,
    pub nesting: Nesting,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        Self {
            max_concurrency: None,
            completion: CompletionConfig::all_successful(),
            nesting: Nesting::Nested,
        }
    }
}

/// A branch body of a parallel.
pub type BranchFn<'f, T> = Box<dyn Fn(&DurableContext<'_>) -> DurableResult<T> + 'f>;

/// One branch of a parallel, optionally named.
pub struct ParallelBranch<'f, T> {
    pub name: Option<String>,
    pub func: BranchFn<'f, T>,
}

impl<'f, T> ParallelBranch<'f, T> {
    pub fn new(func: impl Fn(&DurableContext<'_>) -> DurableResult<T> + 'f) -> Self {
        Self {
            name: None,
            func: Box::new(func),
        }
    }

    pub fn named(
        name: impl Into<String>,
        func: impl Fn(&DurableContext<'_>) -> DurableResult<T> + 'f,
    ) -> Self {
        Self {
            name: Some(name.into()),
            func: Box::new(func),
        }
    }
}

#[derive(Clone, Debug)]
pub struct BatchItem<T> {
    pub index: usize,
    pub status: BatchItemStatus,
    pub result: Option<T>,
    pub error: Option<ErrorObject>,
}

/// AWS `BatchResult`: the started branches in index order and why the batch ended.
#[derive(Clone, Debug)]
pub struct BatchResult<T> {
    pub all: Vec<BatchItem<T>>,
    pub completion_reason: CompletionReason,
}

impl<T> BatchResult<T> {
    pub fn succeeded(&self) -> Vec<&BatchItem<T>> {
        self.with_status(BatchItemStatus::Succeeded)
    }

    pub fn failed(&self) -> Vec<&BatchItem<T>> {
        self.with_status(BatchItemStatus::Failed)
    }

    /// Branches still running when the batch completed early.
    pub fn started(&self) -> Vec<&BatchItem<T>> {
        self.with_status(BatchItemStatus::Started)
    }

    fn with_status(&self, status: BatchItemStatus) -> Vec<&BatchItem<T>> {
        self.all.iter().filter(|i| i.status == status).collect()
    }

    /// Results of the succeeded branches, in index order.
    pub fn get_results(&self) -> Vec<&T> {
        self.all.iter().filter_map(|i| i.result.as_ref()).collect()
    }

    pub fn errors(&self) -> Vec<&ErrorObject> {
        self.all.iter().filter_map(|i| i.error.as_ref()).collect()
    }

    pub fn has_failure(&self) -> bool {
        self.all.iter().any(|i| i.status == BatchItemStatus::Failed)
    }

    pub fn success_count(&self) -> usize {
        self.succeeded().len()
    }

    pub fn failure_count(&self) -> usize {
        self.failed().len()
    }

    /// The first failed branch's error as [`DurableError::ChildContextFailed`].
    pub fn throw_if_error(&self) -> DurableResult<()> {
        match self.errors().first() {
            Some(error) => Err(DurableError::ChildContextFailed((*error).clone())),
            None => Ok(()),
        }
    }
}

impl DurableContext<'_> {
    /// Runs `f` for every item, each in its own branch context (AWS `map`). Branch
    /// failures are collected in the result; call `throw_if_error` to fail on them.
    pub fn map<I, T, F>(
        &self,
        name: impl OperationName,
        items: &[I],
        f: F,
        config: MapConfig<I>,
    ) -> DurableResult<BatchResult<T>>
    where
        T: Serialize + DeserializeOwned,
        F: Fn(&DurableContext<'_>, &I, usize) -> DurableResult<T>,
    {
        self.map_with_serdes(name, items, f, config, &JsonSerdes::new())
    }

    /// [`map`](Self::map) with a custom item serdes (AWS `itemSerdes`): each item's result
    /// is checkpointed as `serdes.serialize(result)` and read back through it.
    pub fn map_with_serdes<I, T, F>(
        &self,
        name: impl OperationName,
        items: &[I],
        f: F,
        config: MapConfig<I>,
        serdes: &dyn Serdes<T>,
    ) -> DurableResult<BatchResult<T>>
    where
        F: Fn(&DurableContext<'_>, &I, usize) -> DurableResult<T>,
    {
        self.map_with_result_serdes(name, items, f, config, serdes, None)
    }

    /// [`map_with_serdes`](Self::map_with_serdes) plus a whole-result serdes (AWS
    /// `serdes`): the Map container's checkpointed payload is
    /// `result_serdes.serialize(batch_result)`, and a completed map replays as
    /// `result_serdes.deserialize(payload)`.
    pub fn map_with_result_serdes<I, T, F>(
        &self,
        name: impl OperationName,
        items: &[I],
        f: F,
        config: MapConfig<I>,
        item_serdes: &dyn Serdes<T>,
        result_serdes: Option<&dyn Serdes<BatchResult<T>>>,
    ) -> DurableResult<BatchResult<T>>
    where
        F: Fn(&DurableContext<'_>, &I, usize) -> DurableResult<T>,
    {
        let names = config.item_namer.as_ref().map(|namer| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| namer(item, i))
                .collect()
        });
        let wit_config = wit::BatchConfig {
            max_concurrency: config.max_concurrency,
            completion: config.completion.to_wit(),
            nesting: config.nesting,
            branch_names: names,
        };
        self.run_batch(
            name,
            wit::BatchKind::Map,
            items.len(),
            wit_config,
            (item_serdes, result_serdes),
            |ctx, i| f(ctx, &items[i], i),
        )
    }

    /// Runs every branch in its own branch context (AWS `parallel`).
    pub fn parallel<T>(
        &self,
        name: impl OperationName,
        branches: Vec<ParallelBranch<'_, T>>,
        config: ParallelConfig,
    ) -> DurableResult<BatchResult<T>>
    where
        T: Serialize + DeserializeOwned,
    {
        self.parallel_with_serdes(name, branches, config, &JsonSerdes::new())
    }

    /// [`parallel`](Self::parallel) with a custom branch serdes (AWS `itemSerdes`): each
    /// branch's result is checkpointed as `serdes.serialize(result)` and read back through it.
    pub fn parallel_with_serdes<T>(
        &self,
        name: impl OperationName,
        branches: Vec<ParallelBranch<'_, T>>,
        config: ParallelConfig,
        serdes: &dyn Serdes<T>,
    ) -> DurableResult<BatchResult<T>> {
        self.parallel_with_result_serdes(name, branches, config, serdes, None)
    }

    /// [`parallel_with_serdes`](Self::parallel_with_serdes) plus a whole-result serdes
    /// (AWS `serdes`), as in [`map_with_result_serdes`](Self::map_with_result_serdes).
    pub fn parallel_with_result_serdes<T>(
        &self,
        name: impl OperationName,
        branches: Vec<ParallelBranch<'_, T>>,
        config: ParallelConfig,
        item_serdes: &dyn Serdes<T>,
        result_serdes: Option<&dyn Serdes<BatchResult<T>>>,
    ) -> DurableResult<BatchResult<T>> {
        let names = branches.iter().any(|b| b.name.is_some()).then(|| {
            branches
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    b.name
                        .clone()
                        .unwrap_or_else(|| format!("parallel-branch-{i}"))
                })
                .collect()
        });
        let wit_config = wit::BatchConfig {
            max_concurrency: config.max_concurrency,
            completion: config.completion.to_wit(),
            nesting: config.nesting,
            branch_names: names,
        };
        self.run_batch(
            name,
            wit::BatchKind::Parallel,
            branches.len(),
            wit_config,
            (item_serdes, result_serdes),
            |ctx, i| (branches[i].func)(ctx),
        )
    }

    fn run_batch<T>(
        &self,
        name: impl OperationName,
        kind: wit::BatchKind,
        count: usize,
        config: wit::BatchConfig,
        (serdes, result_serdes): (&dyn Serdes<T>, Option<&dyn Serdes<BatchResult<T>>>),
        run: impl Fn(&DurableContext<'_>, usize) -> DurableResult<T>,
    ) -> DurableResult<BatchResult<T>> {
        let name = name.into_name();
        let count = u32::try_from(count)
            .map_err(|_| DurableError::InvalidArgument("too many items".into()))?;
        let batch = match self
            .raw
            .batch_begin(name.as_deref(), kind, count, &config)?
        {
            BatchStart::Done(done) => return replay_done(done, serdes, result_serdes),
            BatchStart::Failed(error) => return Err(DurableError::ChildContextFailed(error)),
            BatchStart::Run(batch) => batch,
        };
        while let Some(Branch { index, ctx }) = batch.next()? {
            let body = run(&DurableContext::new(&ctx), index as usize);
            let body = match body {
                // The branch waits for something: drop its context, the others go on.
                Err(DurableError::Suspended) => continue,
                Ok(value) => serdes.serialize(&value).map_err(DurableError::User),
                Err(error) => Err(error),
            };
            match body {
                Ok(payload) => batch.branch_end(index, ctx, Ok(Some(&payload)))?,
                Err(error) => batch.branch_end(index, ctx, Err(&error.to_error_object()))?,
            }
        }
        let Some(result_serdes) = result_serdes else {
            return convert(batch.finish(None)?, serdes);
        };
        let result = convert(batch.settle()?, serdes)?;
        let payload = result_serdes
            .serialize(&result)
            .map_err(DurableError::User)?;
        batch.finish(Some(&payload))?;
        Ok(result)
    }
}

/// A batch recorded earlier: read back through the whole-result serdes when there is
/// one, else from the host's reading of the payload.
fn replay_done<T>(
    done: wit::BatchDone,
    serdes: &dyn Serdes<T>,
    result_serdes: Option<&dyn Serdes<BatchResult<T>>>,
) -> DurableResult<BatchResult<T>> {
    match (result_serdes, done.outcome) {
        (Some(result_serdes), _) => result_serdes
            .deserialize(done.payload.as_deref())
            .map_err(|e| DurableError::Serde(e.message)),
        (None, Some(outcome)) => convert(outcome, serdes),
        (None, None) => Err(DurableError::Serde(
            "the recorded batch result was written by a whole-result serdes; pass the same serdes to read it".into(),
        )),
    }
}

fn convert<T>(outcome: wit::BatchOutcome, serdes: &dyn Serdes<T>) -> DurableResult<BatchResult<T>> {
    let all = outcome
        .items
        .into_iter()
        .map(|item| {
            let result = match (&item.status, item.result.as_deref()) {
                (BatchItemStatus::Succeeded, payload) => Some(
                    serdes
                        .deserialize(payload)
                        .map_err(|e| DurableError::Serde(e.message))?,
                ),
                _ => None,
            };
            Ok(BatchItem {
                index: item.index as usize,
                status: item.status,
                result,
                error: item.error,
            })
        })
        .collect::<DurableResult<Vec<_>>>()?;
    Ok(BatchResult {
        all,
        completion_reason: outcome.completion_reason,
    })
}
