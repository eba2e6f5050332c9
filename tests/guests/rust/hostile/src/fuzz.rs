//! Random calls with random arguments across the WIT boundary, straight at the host's
//! imports (no SDK in between): handles real and made up, numbers at their extremes,
//! strings empty, huge or not JSON. The host may refuse any call or trap the guest; it
//! must never panic or hang.

use durabox_sdk::bindings::durabox::durable::types as wit;

/// xorshift64*: enough randomness for a fuzzer, the same sequence for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn flip(&mut self) -> bool {
        self.next() & 1 == 1
    }

    fn u32(&mut self) -> u32 {
        let random = self.next() as u32;
        [0, 1, 2, 3, 7, 1000, u32::MAX - 1, u32::MAX, random][self.below(9)]
    }

    fn u64(&mut self) -> u64 {
        let random = self.next();
        [0, 1, 60, 31_622_400, 1 << 62, u64::MAX, random][self.below(7)]
    }

    fn f64(&mut self) -> f64 {
        [0.0, -1.0, 0.5, 2.0, f64::NAN, f64::INFINITY, 1e308][self.below(7)]
    }

    fn string(&mut self) -> String {
        match self.below(9) {
            0 => String::new(),
            1 => "a".into(),
            2 => "{}".into(),
            3 => "null".into(),
            4 => "\"x\"".into(),
            5 => "x".repeat(300_000),
            6 => "é𝄞\u{0}\u{7f}".into(),
            7 => "not json {".into(),
            _ => format!("{}", self.next()),
        }
    }

    fn opt_string(&mut self) -> Option<String> {
        self.flip().then(|| self.string())
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        self.flip()
            .then(|| (0..self.below(4)).map(|_| self.string()).collect())
    }

    fn error(&mut self) -> wit::ErrorObject {
        wit::ErrorObject {
            error_type: self.opt_string(),
            error_message: self.opt_string(),
            error_data: self.opt_string(),
            stack_trace: self.strings(),
        }
    }

    fn body(&mut self) -> Result<Option<String>, wit::ErrorObject> {
        if self.flip() {
            Ok(self.opt_string())
        } else {
            Err(self.error())
        }
    }

    fn jitter(&mut self) -> wit::Jitter {
        [wit::Jitter::None, wit::Jitter::Full, wit::Jitter::Half][self.below(3)]
    }

    fn step_config(&mut self) -> wit::StepConfig {
        let retry = match self.below(4) {
            0 => None,
            1 => Some(wit::RetryStrategy::Fixed((self.u32(), self.u32()))),
            2 => Some(wit::RetryStrategy::Preset(wit::RetryPreset::Default)),
            _ => Some(wit::RetryStrategy::Custom(wit::RetryConfig {
                max_attempts: self.u32(),
                initial_delay_seconds: self.u32(),
                max_delay_seconds: self.u32(),
                backoff_rate: self.f64(),
                backoff: if self.flip() {
                    wit::Backoff::Exponential
                } else {
                    wit::Backoff::Linear
                },
                increment_seconds: self.u32(),
                jitter: self.jitter(),
                retryable_error_patterns: self.strings(),
                retryable_error_types: self.strings(),
            })),
        };
        wit::StepConfig {
            retry,
            semantics: if self.flip() {
                wit::StepSemantics::AtLeastOncePerRetry
            } else {
                wit::StepSemantics::AtMostOncePerRetry
            },
            sub_type: self.opt_string(),
        }
    }

    fn batch_config(&mut self) -> wit::BatchConfig {
        wit::BatchConfig {
            max_concurrency: self.flip().then(|| self.u32()),
            completion: wit::CompletionConfig {
                min_successful: self.flip().then(|| self.u32()),
                tolerated_failure_count: self.flip().then(|| self.u32()),
                tolerated_failure_percentage: self.flip().then(|| self.f64()),
            },
            nesting: if self.flip() {
                wit::Nesting::Nested
            } else {
                wit::Nesting::Flat
            },
            branch_names: self.strings(),
        }
    }

    fn decision(&mut self) -> wit::ConditionDecision {
        match self.below(3) {
            0 => wit::ConditionDecision::Stop,
            1 => wit::ConditionDecision::ContinueAfter(self.u32()),
            _ => wit::ConditionDecision::ContinueWith(wit::WaitStrategyConfig {
                max_attempts: self.u32(),
                initial_delay_seconds: self.u32(),
                max_delay_seconds: self.u32(),
                backoff_rate: self.f64(),
                jitter: self.jitter(),
            }),
        }
    }
}

/// Mostly a handle the host gave out, sometimes a made up one (which the host refuses).
fn pick(rng: &mut Rng, known: &[String]) -> String {
    if known.is_empty() || rng.below(8) == 0 {
        rng.string()
    } else {
        known[rng.below(known.len())].clone()
    }
}

/// A body as the bindings take it.
fn borrowed(
    body: &Result<Option<String>, wit::ErrorObject>,
) -> Result<Option<&str>, &wit::ErrorObject> {
    match body {
        Ok(payload) => Ok(payload.as_deref()),
        Err(error) => Err(error),
    }
}

/// Makes `calls` random calls and returns `calls` (a trap ends the invocation sooner).
pub fn fuzz(root: &wit::Context, seed: u64, calls: u32) -> u32 {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut children: Vec<wit::Context> = Vec::new();
    let mut batches: Vec<wit::Batch> = Vec::new();
    // Handles the host gave out, by kind: steps, callbacks, conditions.
    let mut ids: [Vec<String>; 3] = Default::default();
    for _ in 0..calls {
        let at = rng.below(children.len() + 1);
        let ctx = children.get(at).unwrap_or(root);
        match rng.below(15) {
            0 => {
                if let Ok(wit::StepStart::Run(attempt)) =
                    ctx.step_begin(rng.opt_string().as_deref(), &rng.step_config())
                {
                    ids[0].push(attempt.id);
                }
            }
            1 => {
                let decision = rng.flip().then(|| wit::RetryDecision {
                    should_retry: rng.flip(),
                    delay_seconds: rng.u32(),
                });
                let body = rng.body();
                let step = pick(&mut rng, &ids[0]);
                let _ = ctx.step_end(&step, borrowed(&body), decision);
            }
            2 => drop(ctx.wait(rng.opt_string().as_deref(), rng.u64())),
            3 => {
                if let Ok(wit::ChildStart::Run(child)) =
                    ctx.child_begin(rng.opt_string().as_deref(), rng.opt_string().as_deref())
                {
                    children.push(child);
                }
            }
            4 if !children.is_empty() => {
                let child = children.swap_remove(rng.below(children.len()));
                let body = rng.body();
                let _ = wit::child_end(child, borrowed(&body));
            }
            5 => {
                let config = wit::CallbackConfig {
                    timeout_seconds: rng.u64(),
                    heartbeat_timeout_seconds: rng.u64(),
                    sub_type: rng.opt_string(),
                };
                if let Ok(handle) = ctx.create_callback(rng.opt_string().as_deref(), &config) {
                    ids[1].push(handle.id);
                }
            }
            6 => drop(ctx.callback_result(&pick(&mut rng, &ids[1]))),
            7 => {
                if let Ok(wit::ConditionStart::Check(check)) =
                    ctx.condition_begin(rng.opt_string().as_deref(), &rng.string())
                {
                    ids[2].push(check.id);
                }
            }
            8 => {
                let checked = if rng.flip() {
                    Ok(rng.string())
                } else {
                    Err(rng.error())
                };
                let checked = checked.as_deref();
                let condition = pick(&mut rng, &ids[2]);
                let _ = ctx.condition_end(&condition, checked, rng.decision());
            }
            9 => {
                let function = if rng.flip() {
                    "target".to_owned()
                } else {
                    rng.string()
                };
                let _ = ctx.invoke(
                    rng.opt_string().as_deref(),
                    &function,
                    rng.opt_string().as_deref(),
                    rng.opt_string().as_deref(),
                );
            }
            10 => {
                let kind = if rng.flip() {
                    wit::BatchKind::Map
                } else {
                    wit::BatchKind::Parallel
                };
                if let Ok(wit::BatchStart::Run(batch)) = ctx.batch_begin(
                    rng.opt_string().as_deref(),
                    kind,
                    rng.u32(),
                    &rng.batch_config(),
                ) {
                    batches.push(batch);
                }
            }
            11 if !batches.is_empty() => {
                let batch = &batches[rng.below(batches.len())];
                match rng.below(6) {
                    0 => {
                        if let Ok(Some(branch)) = batch.next() {
                            children.push(branch.ctx);
                        }
                    }
                    1 if !children.is_empty() => {
                        let child = children.swap_remove(rng.below(children.len()));
                        let body = rng.body();
                        let _ = batch.branch_end(rng.u32(), child, borrowed(&body));
                    }
                    2 => drop(batch.complete(rng.flip().then(|| rng.u32()))),
                    3 => drop(batch.settle()),
                    4 => drop(batch.finish(rng.opt_string().as_deref())),
                    _ => {
                        drop(batch.progress());
                        let decision = match rng.below(3) {
                            0 => None,
                            1 => Some(wit::CustomOutcome::Succeeded),
                            _ => Some(wit::CustomOutcome::Failed),
                        };
                        let _ = batch.decide(decision);
                    }
                }
            }
            12 => ctx.log(wit::LogLevel::Info, &rng.string()),
            13 => drop(wit::checkpoint(&rng.string())),
            _ => drop((ctx.id(), wit::invocation_envelope().len())),
        }
    }
    calls
}
