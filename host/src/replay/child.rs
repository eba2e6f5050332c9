//! Child contexts: CONTEXT operation ids (also for batch containers), begin, end, drop.

use super::*;

impl ReplayEngine {
    /// Allocates the id of a CONTEXT operation (child context or batch container),
    /// checks it against the record, starts it if new, and says how it resumes.
    pub(super) fn begin_context(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        sub_type: &str,
    ) -> Result<(DerivedId, OwnedRequest, ContextResume), ReplayFault> {
        let (derived, parent) = self.allocate(ctx)?;
        let id = derived.id.clone();
        let request = OwnedRequest {
            op_type: Type::Context,
            sub_type: std::borrow::Cow::Owned(sub_type.to_owned()),
            name: name.map(str::to_owned),
            parent,
        };
        let recorded = Self::recorded(execution, &id, &request.borrow())?.map(|op| {
            let replay_children = op
                .context_details
                .as_ref()
                .is_some_and(|d| d.replay_children);
            (
                op.status,
                replay_children,
                op.result().map(str::to_owned),
                op.error().cloned(),
            )
        });
        let in_gate = execution.gate().is_some();
        let resume = match recorded {
            None if in_gate => ContextResume::BeyondHistory,
            // Replay-only mode re-runs completed contexts, to check the operations inside.
            Some((Status::Succeeded, ..)) if in_gate => ContextResume::Run {
                replaying_completed: true,
            },
            None => {
                self.checkpoint(execution, request.borrow().update(&id, Action::Start))?;
                ContextResume::Run {
                    replaying_completed: false,
                }
            }
            Some((Status::Started, ..)) => ContextResume::Run {
                replaying_completed: false,
            },
            Some((Status::Succeeded, true, ..)) => ContextResume::Run {
                replaying_completed: true,
            },
            Some((Status::Succeeded, false, result, _)) => ContextResume::Succeeded(result),
            Some((_, _, _, error)) => ContextResume::Failed(error),
        };
        Ok((derived, request, resume))
    }

    pub fn child_begin(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        sub_type: Option<&str>,
    ) -> OpResult<ChildStart> {
        let sub_type = sub_type.unwrap_or("RunInChildContext");
        let (DerivedId { id, key }, request, resume) =
            self.begin_context(execution, ctx, name, sub_type)?;
        let replaying_completed = match resume {
            ContextResume::Run {
                replaying_completed,
            } => replaying_completed,
            ContextResume::Succeeded(result) => {
                return Ok(Ok(ChildStart::Done(Outcome::Succeeded(result))))
            }
            ContextResume::Failed(error) => {
                let error = error.unwrap_or_else(|| {
                    ErrorObject::new("ChildContextError", "Child context failed")
                });
                return Ok(Ok(ChildStart::Done(Outcome::Failed(error))));
            }
            ContextResume::BeyondHistory => {
                let request = request.borrow();
                return self
                    .beyond_history(execution, ctx, &id, &request)
                    .expect("in gate");
            }
        };
        let branch_owner = self.frames[ctx.0].branch_owner;
        Self::note_entered(execution, &id);
        let child = self.push_frame(Frame {
            op_id: Some(id),
            prefix: Some(key),
            branch_owner,
            allocated: Vec::new(),
            parent: Some(ctx.0),
            counter: 0,
            suspended: false,
            replaying_completed,
            request: Some(request),
            closed: false,
        });
        Ok(Ok(ChildStart::Run(child)))
    }

    /// Closes a child context with its body's result.
    pub fn child_end(
        &mut self,
        execution: &mut dyn ReplayHost,
        child: ContextHandle,
        body: Result<Option<String>, ErrorObject>,
    ) -> OpResult<Outcome> {
        let frame = self
            .frames
            .get_mut(child.0)
            .filter(|f| f.request.is_some() && !f.closed);
        let frame = frame.ok_or_else(|| ReplayFault::UnknownHandle {
            what: "child context",
            id: child.0.to_string(),
        })?;
        frame.closed = true;
        let id = frame.op_id.clone().unwrap_or_default();
        if frame.replaying_completed {
            Self::check_rerun_result(execution, &id, &body);
            return Ok(Ok(match body {
                Ok(payload) => Outcome::Succeeded(payload),
                Err(error) => Outcome::Failed(error),
            }));
        }
        let request = frame.request.as_ref().expect("checked above").borrow();
        match body {
            Ok(payload) => {
                let mut update = request.update(&id, Action::Succeed);
                set_context_result(&mut update, payload.clone());
                self.checkpoint(execution, update)?;
                Ok(Ok(Outcome::Succeeded(payload)))
            }
            Err(error) => {
                let mut update = request.update(&id, Action::Fail);
                update.error = Some(error.clone());
                self.checkpoint(execution, update)?;
                Ok(Ok(Outcome::Failed(error)))
            }
        }
    }

    /// Forgets a child context the guest dropped without closing it (it suspended).
    pub fn child_drop(&mut self, child: ContextHandle, execution: &dyn ReplayHost) {
        let Some(frame) = self.frames.get_mut(child.0) else {
            return;
        };
        let was_open = !frame.closed;
        frame.closed = true;
        if was_open && frame.branch_owner == Some(child.0) {
            self.branch_dropped(child, execution);
        }
    }
}

/// A context's result on its SUCCEED update: over 256 KiB it is not stored, and the
/// context is marked ReplayChildren so a replay re-runs it to rebuild the result.
/// No payload (a JS `undefined`) is recorded as none.
pub(super) fn set_context_result(update: &mut OperationUpdate, payload: Option<String>) {
    let large = payload
        .as_ref()
        .is_some_and(|p| p.len() > limits::REPLAY_CHILDREN_THRESHOLD);
    update.payload = if large { Some(String::new()) } else { payload };
    update.context_options = Some(ContextOptions {
        replay_children: large,
    });
}
