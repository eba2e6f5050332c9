//! Guest log lines: kept per invocation (bounded), skipped while code replays.

use super::*;

impl ReplayEngine {
    /// Records a log line, unless the context is replaying: code re-run to reach the
    /// point where the last invocation stopped does not log twice (as the AWS SDK's
    /// replay-aware logger behaves). `while_replaying` keeps it anyway (mode-aware off).
    /// `stdout_offset`: bytes the guest had printed so far (see [`LogLine`]).
    pub fn log(
        &mut self,
        execution: &dyn ReplayHost,
        ctx: ContextHandle,
        level: &str,
        mut message: String,
        while_replaying: bool,
        stdout_offset: usize,
    ) {
        if let Some(frame) = self.frames.get(ctx.0).filter(|_| !while_replaying) {
            let next = self
                .flavour
                .derive(frame.prefix.as_deref(), frame.counter + 1)
                .id;
            if execution
                .operation(&next)
                .is_some_and(|op| op.status.is_terminal())
            {
                return;
            }
        }
        // Bounded, so a guest logging without end cannot exhaust the host's memory.
        if self.logs.len() >= MAX_LOG_LINES || self.log_bytes >= MAX_LOG_BYTES {
            self.logs_dropped += 1;
            return;
        }
        if message.len() > MAX_LOG_LINE_BYTES {
            let mut cut = MAX_LOG_LINE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            let total = message.len();
            message.truncate(cut);
            message.push_str(&format!("… [truncated, {total} bytes]"));
        }
        self.log_bytes += message.len();
        let (context_id, position) = self
            .frames
            .get(ctx.0)
            .map(|f| (f.op_id.clone(), f.counter))
            .unwrap_or((None, 0));
        // A step body logs through its context: the line belongs to the running step.
        let running_step = self.open_steps.iter().find(|(_, step)| step.ctx == ctx);
        let context_id = running_step.map(|(id, _)| id.clone()).or(context_id);
        self.logs.push(LogLine {
            level: level.to_owned(),
            message,
            context_id,
            position,
            stdout_offset,
        });
    }
}
