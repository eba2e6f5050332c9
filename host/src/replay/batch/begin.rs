//! Starting a batch: the container CONTEXT is started, or its recorded outcome returned
//! without running any branch.

use std::collections::HashSet;

use super::branches::Branches;
use super::policy::validate;
use super::{Batch, BatchConfig, BatchDone, BatchHandle, BatchKind, BatchStart};
use crate::model::ErrorObject;
use crate::replay::host::ReplayHost;
use crate::replay::{ContextHandle, ContextResume, OpError, OpResult, ReplayEngine};

impl ReplayEngine {
    /// Starts (or replays) a map or parallel of `count` branches.
    pub fn batch_begin(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        kind: BatchKind,
        count: u32,
        config: BatchConfig,
    ) -> OpResult<BatchStart> {
        if let Err(message) = validate(&config, count) {
            return Ok(Err(OpError::InvalidArgument(message)));
        }
        let (derived, request, resume) =
            self.begin_context(execution, ctx, name, kind.sub_types().0)?;
        let replaying_completed = match resume {
            ContextResume::Run {
                replaying_completed,
            } => replaying_completed,
            ContextResume::Succeeded(payload) => {
                let outcome = payload
                    .as_deref()
                    .and_then(|r| serde_json::from_str(r).ok());
                return Ok(Ok(BatchStart::Done(BatchDone { outcome, payload })));
            }
            ContextResume::Failed(error) => {
                let error = error.unwrap_or_else(|| ErrorObject::new("BatchError", "Batch failed"));
                return Ok(Ok(BatchStart::Failed(error)));
            }
            ContextResume::BeyondHistory => {
                let request = request.borrow();
                let id = derived.id.clone();
                return self
                    .beyond_history(execution, ctx, &id, &request)
                    .expect("in gate");
            }
        };
        Self::note_entered(execution, &derived.id);
        let mut batch = Batch {
            branch_ids: (0..count)
                .map(|i| self.flavour.branch(&derived.key, i))
                .collect(),
            container: derived.id,
            parent_ctx: ctx,
            request,
            kind,
            config,
            branches: Branches::new(count),
            replaying_completed,
            finished: false,
            decided: None,
            custom: false,
            snapshot: None,
            unreported: HashSet::new(),
            suspended_on: Default::default(),
        };
        batch.adopt_recorded(execution);
        self.batches.push(batch);
        Ok(Ok(BatchStart::Run(BatchHandle(self.batches.len() - 1))))
    }
}
