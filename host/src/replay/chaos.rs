//! Chaos testing hooks (`runner::chaos`): a crash right after a planned checkpoint, and
//! a seeded order for the admitted branches of a batch.

use crate::model::OperationUpdate;
use crate::replay::host::ReplayHost;

use super::ReplayFault;

/// Chaos testing: ends the invocation right after the planned checkpoint, as a Lambda
/// crashing there would.
pub(super) fn crash_if_planned(
    execution: &mut dyn ReplayHost,
    update: &OperationUpdate,
) -> Result<(), ReplayFault> {
    let Some(plan) = execution.chaos() else {
        return Ok(());
    };
    plan.seen += 1;
    let after = format!(
        "{} {}{}",
        update.action.as_str(),
        update.op_type.as_str(),
        update
            .name
            .as_deref()
            .map(|n| format!(" '{n}'"))
            .unwrap_or_default()
    );
    plan.history.push(after.clone());
    if plan.seen != plan.crash_at {
        return Ok(());
    }
    Err(ReplayFault::InjectedCrash {
        index: plan.seen,
        after,
    })
}

/// Which of the `admitted` branches runs next, as a position among them: the first, or
/// under chaos testing with a branch order seed a seeded random one (AWS runs admitted
/// branches concurrently, so any of them may finish first).
pub(super) fn pick_branch(execution: &mut dyn ReplayHost, admitted: usize) -> Option<usize> {
    if admitted == 0 {
        return None;
    }
    let Some(plan) = execution.chaos() else {
        return Some(0);
    };
    let Some(seed) = plan.branch_order_seed else {
        return Some(0);
    };
    let draw = seed ^ plan.picks.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    plan.picks += 1;
    Some(fastrand::Rng::with_seed(draw).usize(..admitted))
}
