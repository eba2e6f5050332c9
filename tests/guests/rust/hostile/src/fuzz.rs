//! Random calls with random arguments across the WIT boundary, straight at the host's
//! imports (no SDK in between).
//!
//! Each seed is a random durable program, run the way an SDK runs a handler: steps with
//! retries, waits, nested child contexts, callbacks, condition polls, chained invokes,
//! maps and parallels whose branches nest further, suspension unwinding to the handler
//! and replay in the next invocation. Most calls are plausible (handles the host gave
//! out, numbers in range, JSON payloads), so an execution goes on for many calls and
//! reaches deep states; a minority are hostile (made-up or stale handles, numbers at
//! their extremes, huge or non-JSON strings, calls inside a step body or after a
//! suspension, raw checkpoints). The host may refuse any call or end the execution; it
//! must never panic or hang.
//!
//! Every random choice comes from the seed and never from what the host answered (a
//! nested block draws from its own generator, seeded by its parent before the block
//! starts), so a replay makes the same calls as the invocation that recorded them.
//!
//! Every durable call is printed before it is made (`fuzz-call <n> <what>`, n counting per
//! invocation), so the test can count the calls of each invocation, even one the host
//! ended with a trap, and name the call a failing seed ended on.

use durabox_sdk::bindings::durabox::durable::types as wit;

/// How deep child contexts and batch branches nest.
const MAX_DEPTH: u32 = 3;

/// xorshift64*: enough randomness for a fuzzer, the same sequence for the same seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn flip(&mut self) -> bool {
        self.next() & 1 == 1
    }

    /// A generator for a nested block, drawn now whether or not the block runs.
    fn fork(&mut self) -> Rng {
        Rng::new(self.next())
    }

    // ---- hostile values ---------------------------------------------------------

    fn wild_u32(&mut self) -> u32 {
        let random = self.next() as u32;
        [0, 1, 2, 3, 7, 1000, u32::MAX - 1, u32::MAX, random][self.below(9) as usize]
    }

    /// Wait seconds: in range (short), or out of it (the host refuses those).
    fn wild_u64(&mut self) -> u64 {
        let random = self.next() | (1 << 40);
        [0, 1, 60, 31_622_401, 1 << 62, u64::MAX, random][self.below(7) as usize]
    }

    /// A delay in seconds the host accepts (clamping it to a year) or refuses; 90,000 s
    /// lies past the execution timeout (a day), which skipped time must reach instead.
    fn wild_delay(&mut self) -> u32 {
        [0, 1, 2, 59, 3600, 90_000][self.below(6) as usize]
    }

    fn wild_f64(&mut self) -> f64 {
        [0.0, -1.0, 0.5, 2.0, f64::NAN, f64::INFINITY, 1e308, 100.5][self.below(8) as usize]
    }

    fn wild_string(&mut self) -> String {
        match self.below(10) {
            0 => String::new(),
            1 => "a".into(),
            2 => "{}".into(),
            3 => "null".into(),
            4 => "\"x\"".into(),
            5 => "x".repeat(300_000),
            6 => "é𝄞\u{0}\u{7f}".into(),
            7 => "not json {".into(),
            8 => format!("[{}]", "1,".repeat(40_000) + "1"),
            _ => format!("{}", self.next()),
        }
    }

    fn wild_opt_string(&mut self) -> Option<String> {
        self.flip().then(|| self.wild_string())
    }

    fn wild_strings(&mut self) -> Option<Vec<String>> {
        self.flip()
            .then(|| (0..self.below(4)).map(|_| self.wild_string()).collect())
    }

    fn wild_error(&mut self) -> wit::ErrorObject {
        wit::ErrorObject {
            error_type: self.wild_opt_string(),
            error_message: self.wild_opt_string(),
            error_data: self.wild_opt_string(),
            stack_trace: self.wild_strings(),
        }
    }

    fn jitter(&mut self) -> wit::Jitter {
        [wit::Jitter::None, wit::Jitter::Full, wit::Jitter::Half][self.below(3) as usize]
    }

    fn wild_step_config(&mut self) -> wit::StepConfig {
        let retry = match self.below(3) {
            0 => Some(wit::RetryStrategy::Fixed((
                self.wild_u32(),
                self.wild_delay(),
            ))),
            1 => None,
            _ => Some(wit::RetryStrategy::Custom(wit::RetryConfig {
                max_attempts: self.wild_u32(),
                initial_delay_seconds: self.wild_u32(),
                max_delay_seconds: self.wild_delay(),
                backoff_rate: self.wild_f64(),
                backoff: if self.flip() {
                    wit::Backoff::Exponential
                } else {
                    wit::Backoff::Linear
                },
                increment_seconds: self.wild_u32(),
                jitter: self.jitter(),
                retryable_error_patterns: self.wild_strings(),
                retryable_error_types: self.wild_strings(),
            })),
        };
        wit::StepConfig {
            retry,
            semantics: self.semantics(),
            sub_type: self.wild_opt_string(),
        }
    }

    fn wild_batch_config(&mut self) -> wit::BatchConfig {
        wit::BatchConfig {
            max_concurrency: self.flip().then(|| self.wild_u32()),
            completion: wit::CompletionConfig {
                min_successful: self.flip().then(|| self.wild_u32()),
                tolerated_failure_count: self.flip().then(|| self.wild_u32()),
                tolerated_failure_percentage: self.flip().then(|| self.wild_f64()),
            },
            nesting: self.nesting(),
            branch_names: self.wild_strings(),
        }
    }

    // ---- plausible values -------------------------------------------------------

    /// A short name, or none; the same draw on every replay.
    fn name(&mut self, kind: &str) -> Option<String> {
        (!self.percent(25)).then(|| format!("{kind}-{}", self.below(1000)))
    }

    fn payload(&mut self) -> Option<String> {
        match self.below(8) {
            0 => None,
            1 => Some("null".into()),
            2 => Some(format!("\"text {}\"", self.below(1000))),
            3 => Some(format!("[{}, {}]", self.below(10), self.below(10))),
            4 => Some(format!("{{\"n\": {}, \"ok\": true}}", self.below(1000))),
            // A result over the 256 KiB that makes a child context replay its children.
            5 if self.percent(5) => Some(format!("\"{}\"", "r".repeat(300 * 1024))),
            _ => Some(format!("{}", self.below(1_000_000))),
        }
    }

    fn error(&mut self) -> wit::ErrorObject {
        let kind = ["FuzzError", "Timeout", "ValueError", "Boom"][self.below(4) as usize];
        wit::ErrorObject {
            error_type: Some(kind.into()),
            error_message: Some(format!("failure {}", self.below(1000))),
            error_data: self.flip().then(|| "{\"why\": \"fuzz\"}".into()),
            stack_trace: self.flip().then(|| vec!["at fuzz (fuzz.rs:1)".into()]),
        }
    }

    fn body(&mut self, fail_percent: u64) -> Result<Option<String>, wit::ErrorObject> {
        let (payload, error) = (self.payload(), self.error());
        if self.percent(fail_percent) {
            Err(error)
        } else {
            Ok(payload)
        }
    }

    fn semantics(&mut self) -> wit::StepSemantics {
        if self.percent(25) {
            wit::StepSemantics::AtMostOncePerRetry
        } else {
            wit::StepSemantics::AtLeastOncePerRetry
        }
    }

    fn nesting(&mut self) -> wit::Nesting {
        if self.flip() {
            wit::Nesting::Nested
        } else {
            wit::Nesting::Flat
        }
    }

    fn step_config(&mut self) -> wit::StepConfig {
        let presets = [
            wit::RetryPreset::Default,
            wit::RetryPreset::None,
            wit::RetryPreset::Transient,
            wit::RetryPreset::ResourceAvailability,
            wit::RetryPreset::Critical,
            wit::RetryPreset::Linear,
        ];
        let retry = match self.below(5) {
            0 => None,
            1 => Some(wit::RetryStrategy::Preset(presets[self.below(6) as usize])),
            2 => Some(wit::RetryStrategy::Fixed((
                self.range(1, 4),
                self.range(1, 30),
            ))),
            3 => Some(wit::RetryStrategy::Preset(wit::RetryPreset::None)),
            _ => Some(wit::RetryStrategy::Custom(wit::RetryConfig {
                max_attempts: self.range(1, 5),
                initial_delay_seconds: self.range(1, 10),
                max_delay_seconds: self.range(10, 600),
                backoff_rate: [1.0, 1.5, 2.0][self.below(3) as usize],
                backoff: if self.flip() {
                    wit::Backoff::Exponential
                } else {
                    wit::Backoff::Linear
                },
                increment_seconds: self.range(0, 5),
                jitter: self.jitter(),
                retryable_error_patterns: self.flip().then(|| vec!["fail".into()]),
                retryable_error_types: self.flip().then(|| vec!["FuzzError".into()]),
            })),
        };
        wit::StepConfig {
            retry,
            semantics: self.semantics(),
            sub_type: self.percent(10).then(|| "Custom".into()),
        }
    }

    fn batch_config(&mut self, count: u32) -> wit::BatchConfig {
        let mut completion = wit::CompletionConfig {
            min_successful: None,
            tolerated_failure_count: None,
            tolerated_failure_percentage: None,
        };
        match self.below(5) {
            0 if count > 0 => completion.min_successful = Some(self.range(1, count)),
            1 => completion.tolerated_failure_count = Some(self.range(0, 3)),
            2 => completion.tolerated_failure_percentage = Some(f64::from(self.range(0, 100))),
            _ => {}
        }
        wit::BatchConfig {
            max_concurrency: self.flip().then(|| self.range(1, 3)),
            completion,
            nesting: self.nesting(),
            branch_names: self
                .percent(30)
                .then(|| (0..count).map(|i| format!("branch-{i}")).collect()),
        }
    }
}

/// How a block of the program ended.
#[derive(PartialEq)]
enum Flow {
    Continue,
    /// A call returned `suspended`: unwind to the handler (or the enclosing branch).
    Suspended,
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

/// `suspended` unwinds; a refusal (`invalid-argument`) or a value goes on.
fn flow<T>(result: &Result<T, wit::OpError>) -> Flow {
    match result {
        Err(wit::OpError::Suspended) => Flow::Suspended,
        _ => Flow::Continue,
    }
}

struct Fuzzer {
    /// Host calls made in this invocation.
    calls: u32,
    /// Percent of actions that are hostile.
    hostile: u64,
    /// A chained child of a fuzz execution: no callbacks (nobody answers them) and no
    /// further fuzz invokes.
    nested: bool,
    /// Handles seen in this invocation, to pass back stale or in the wrong place.
    seen: Vec<String>,
}

impl Fuzzer {
    /// Prints the call before it is made: a trap ends the invocation inside it.
    fn note(&mut self, what: &str) {
        self.calls += 1;
        println!("fuzz-call {} {what}", self.calls);
    }

    /// Runs `actions` random actions in `ctx`.
    fn block(&mut self, ctx: &wit::Context, rng: &mut Rng, depth: u32, actions: u32) -> Flow {
        // Callbacks created in this block whose result is still to be read.
        let mut callbacks: Vec<String> = Vec::new();
        for _ in 0..actions {
            let flow = if rng.percent(self.hostile) {
                self.hostile(ctx, rng)
            } else {
                self.action(ctx, rng, depth, &mut callbacks)
            };
            if flow == Flow::Suspended {
                return Flow::Suspended;
            }
        }
        Flow::Continue
    }

    fn action(
        &mut self,
        ctx: &wit::Context,
        rng: &mut Rng,
        depth: u32,
        callbacks: &mut Vec<String>,
    ) -> Flow {
        let deeper = depth < MAX_DEPTH;
        match rng.below(24) {
            0..=5 => self.step(ctx, rng),
            6 | 7 => {
                let (name, seconds) = (rng.name("wait"), u64::from(rng.range(1, 120)));
                self.note("wait");
                flow(&ctx.wait(name.as_deref(), seconds))
            }
            8..=10 if deeper => self.child(ctx, rng, depth),
            11 | 12 if !self.nested => self.callback(ctx, rng, callbacks),
            13 if !callbacks.is_empty() => {
                let id = callbacks.remove(rng.below(callbacks.len() as u64) as usize);
                self.note("callback-result");
                flow(&ctx.callback_result(&id))
            }
            14 | 15 => self.condition(ctx, rng),
            16 => self.invoke(ctx, rng),
            17..=19 if deeper => self.batch(ctx, rng, depth),
            20 => {
                let level = [
                    wit::LogLevel::Debug,
                    wit::LogLevel::Info,
                    wit::LogLevel::Warn,
                    wit::LogLevel::Error,
                ][rng.below(4) as usize];
                let message = format!("fuzz log {}", rng.below(1000));
                if rng.flip() {
                    self.note("log");
                    ctx.log(level, &message);
                } else {
                    self.note("log-always");
                    ctx.log_always(level, &message);
                }
                Flow::Continue
            }
            21 => {
                self.note("id");
                let _ = ctx.id();
                self.note("execution-arn");
                let _ = ctx.execution_arn();
                Flow::Continue
            }
            22 if rng.percent(20) => {
                self.note("invocation-envelope");
                let _ = wit::invocation_envelope();
                Flow::Continue
            }
            _ => self.step(ctx, rng),
        }
    }

    /// A step: its body fails its first attempts, or every attempt, or none.
    fn step(&mut self, ctx: &wit::Context, rng: &mut Rng) -> Flow {
        let name = rng.name("step");
        let config = rng.step_config();
        let failing_attempts = [0, 0, 0, 1, 1, 2, u32::MAX][rng.below(7) as usize];
        let (payload, error) = (rng.payload(), rng.error());
        let guest_decides = rng.percent(15);
        let delay = rng.range(1, 30);
        self.note("step-begin");
        let attempt = match ctx.step_begin(name.as_deref(), &config) {
            Ok(wit::StepStart::Run(attempt)) => attempt,
            other => return flow(&other),
        };
        let body = if attempt.attempt <= failing_attempts {
            Err(error)
        } else {
            Ok(payload)
        };
        let decision = guest_decides.then_some(wit::RetryDecision {
            should_retry: attempt.attempt < 3,
            delay_seconds: delay,
        });
        self.seen.push(attempt.id.clone());
        self.note("step-end");
        flow(&ctx.step_end(&attempt.id, borrowed(&body), decision))
    }

    /// A child context running a block of its own.
    fn child(&mut self, ctx: &wit::Context, rng: &mut Rng, depth: u32) -> Flow {
        let name = rng.name("child");
        let sub_type = rng.percent(10).then(|| "RunInChildContext".to_owned());
        let mut inner = rng.fork();
        let actions = rng.range(1, 6);
        let body = rng.body(15);
        self.note("child-begin");
        let child = match ctx.child_begin(name.as_deref(), sub_type.as_deref()) {
            Ok(wit::ChildStart::Run(child)) => child,
            other => return flow(&other),
        };
        if self.block(&child, &mut inner, depth + 1, actions) == Flow::Suspended {
            // The SDK drops the context of a suspended body and unwinds.
            self.note("context-drop");
            drop(child);
            return Flow::Suspended;
        }
        self.note("child-end");
        flow(&wit::child_end(child, borrowed(&body)))
    }

    /// A callback the test answers (success or failure), or one that times out.
    fn callback(&mut self, ctx: &wit::Context, rng: &mut Rng, callbacks: &mut Vec<String>) -> Flow {
        let times_out = rng.percent(30);
        let name = if times_out {
            format!("cb-timeout-{}", rng.below(1000))
        } else {
            format!("cb-answer-{}", rng.below(1000))
        };
        let config = wit::CallbackConfig {
            timeout_seconds: if times_out {
                u64::from(rng.range(1, 300))
            } else {
                0
            },
            heartbeat_timeout_seconds: if rng.percent(20) { 600 } else { 0 },
            sub_type: None,
        };
        let read_now = rng.percent(60);
        self.note("create-callback");
        let handle = match ctx.create_callback(Some(&name), &config) {
            Ok(handle) => handle,
            Err(e) => return flow(&Err::<(), _>(e)),
        };
        self.seen.push(handle.id.clone());
        if read_now {
            self.note("callback-result");
            flow(&ctx.callback_result(&handle.id))
        } else {
            callbacks.push(handle.id);
            Flow::Continue
        }
    }

    /// A condition polled until its check says stop (or fails, or runs out of attempts).
    fn condition(&mut self, ctx: &wit::Context, rng: &mut Rng) -> Flow {
        let name = rng.name("condition");
        let stop_at = rng.range(1, 4);
        let fails = rng.percent(10);
        let error = rng.error();
        let strategy = rng.flip().then(|| wit::WaitStrategyConfig {
            max_attempts: rng.range(1, 5),
            initial_delay_seconds: rng.range(1, 10),
            max_delay_seconds: rng.range(10, 300),
            backoff_rate: 1.5,
            jitter: rng.jitter(),
        });
        let delay = rng.range(1, 60);
        self.note("condition-begin");
        let check = match ctx.condition_begin(name.as_deref(), "{\"n\": 0}") {
            Ok(wit::ConditionStart::Check(check)) => check,
            other => return flow(&other),
        };
        let checked = if fails && check.attempt == stop_at {
            Err(error)
        } else {
            Ok(format!("{{\"n\": {}}}", check.attempt))
        };
        let decision = match strategy {
            _ if check.attempt >= stop_at => wit::ConditionDecision::Stop,
            Some(strategy) => wit::ConditionDecision::ContinueWith(strategy),
            None => wit::ConditionDecision::ContinueAfter(delay),
        };
        self.seen.push(check.id.clone());
        self.note("condition-end");
        flow(&ctx.condition_end(&check.id, checked.as_deref(), decision))
    }

    /// A chained invoke of a registered function, of a nested fuzz, or of nothing.
    fn invoke(&mut self, ctx: &wit::Context, rng: &mut Rng) -> Flow {
        let name = rng.name("invoke");
        let seed = rng.next() % 1_000_000;
        let (function, payload) = match rng.below(5) {
            0 | 1 => ("quickstart", "\"input str\"".to_owned()),
            2 if !self.nested => (
                "hostile",
                format!(
                    "{{\"attack\": \"fuzz\", \"seed\": {seed}, \"actions\": 6, \
                     \"hostile\": {}, \"nested\": true}}",
                    self.hostile
                ),
            ),
            3 => ("hostile", "{\"attack\": \"no such attack\"}".to_owned()),
            _ => ("no-such-function", "{}".to_owned()),
        };
        self.note("invoke");
        flow(&ctx.invoke(name.as_deref(), function, Some(&payload), None))
    }

    /// A map or parallel: branches handed out by the host, each running a block.
    fn batch(&mut self, ctx: &wit::Context, rng: &mut Rng, depth: u32) -> Flow {
        let name = rng.name("batch");
        let kind = if rng.flip() {
            wit::BatchKind::Map
        } else {
            wit::BatchKind::Parallel
        };
        let count = rng.range(0, 4);
        let config = rng.batch_config(count);
        let branch_seed = rng.next();
        // A guest completion predicate (AWS Python `should_complete`) for some batches.
        let custom = rng.percent(15);
        let peek = rng.percent(30);
        let own_payload = rng.percent(10);
        self.note("batch-begin");
        let batch = match ctx.batch_begin(name.as_deref(), kind, count, &config) {
            Ok(wit::BatchStart::Run(batch)) => batch,
            other => return flow(&other),
        };
        if custom {
            self.note("batch-decide");
            let _ = batch.decide(None);
        }
        // The host hands a branch out again only when a timer it waits for came due;
        // far more rounds than that mean it hands out a branch whose timer is not due
        // (it did for a branch that passed a finished wait and then suspended on a new
        // one): the program notes it (the test fails on it) and stops asking.
        let rounds = 16 * count + 16;
        for round in 0..=rounds {
            if round == rounds {
                self.note("batch-rounds-exhausted");
                break;
            }
            self.note("batch-next");
            let branch = match batch.next() {
                Ok(Some(branch)) => branch,
                Ok(None) => break,
                Err(e) => return flow(&Err::<(), _>(e)),
            };
            let mut inner =
                Rng::new(branch_seed ^ u64::from(branch.index).wrapping_mul(0xA24B_AED4));
            let actions = inner.range(1, 4);
            let body = inner.body(20);
            let outcome = inner.below(4);
            if self.block(&branch.ctx, &mut inner, depth + 1, actions) == Flow::Suspended {
                self.note("context-drop");
                drop(branch.ctx);
            } else {
                self.note("batch-branch-end");
                if let Err(e) = batch.branch_end(branch.index, branch.ctx, borrowed(&body)) {
                    return flow(&Err::<(), _>(e));
                }
            }
            if peek {
                self.note("batch-progress");
                let _ = batch.progress();
            }
            if custom {
                let decision = match outcome {
                    0 => Some(wit::CustomOutcome::Succeeded),
                    1 => Some(wit::CustomOutcome::Failed),
                    _ => None,
                };
                self.note("batch-decide");
                let _ = batch.decide(decision);
            }
        }
        if own_payload {
            self.note("batch-settle");
            if let Err(e) = batch.settle() {
                return flow(&Err::<(), _>(e));
            }
        }
        let payload = own_payload.then_some("{\"summary\": \"own serdes\"}");
        self.note("batch-finish");
        flow(&batch.finish(payload))
    }

    /// One hostile call. Some the host refuses and the program goes on; some (made-up
    /// handles, calls inside a step, calls after a suspension) end the execution.
    fn hostile(&mut self, ctx: &wit::Context, rng: &mut Rng) -> Flow {
        match rng.below(20) {
            0 | 1 => {
                let (name, seconds) = (rng.wild_opt_string(), rng.wild_u64());
                self.note("wait (wild)");
                flow(&ctx.wait(name.as_deref(), seconds))
            }
            2 | 3 => {
                let (name, config) = (rng.wild_opt_string(), rng.wild_step_config());
                let (payload, error) = (rng.wild_opt_string(), rng.wild_error());
                let fails = rng.flip();
                let decision = rng.flip().then(|| wit::RetryDecision {
                    should_retry: rng.flip(),
                    delay_seconds: rng.wild_delay(),
                });
                self.note("step-begin (wild)");
                match ctx.step_begin(name.as_deref(), &config) {
                    Ok(wit::StepStart::Run(attempt)) => {
                        // Fails its first attempts at most: a wild retry strategy may
                        // allow billions of attempts.
                        let body = if fails && attempt.attempt <= 2 {
                            Err(error)
                        } else {
                            Ok(payload)
                        };
                        self.note("step-end (wild)");
                        flow(&ctx.step_end(&attempt.id, borrowed(&body), decision))
                    }
                    other => flow(&other),
                }
            }
            4 | 5 => {
                let name = rng.wild_opt_string();
                let kind = if rng.flip() {
                    wit::BatchKind::Map
                } else {
                    wit::BatchKind::Parallel
                };
                let count = rng.wild_u32();
                let config = rng.wild_batch_config();
                let outcome = if rng.flip() {
                    wit::CustomOutcome::Succeeded
                } else {
                    wit::CustomOutcome::Failed
                };
                self.note("batch-begin (wild)");
                match ctx.batch_begin(name.as_deref(), kind, count, &config) {
                    // Accepted: end it at once by a custom decision, whatever its size.
                    Ok(wit::BatchStart::Run(batch)) => {
                        self.note("batch-decide (wild)");
                        let _ = batch.decide(Some(outcome));
                        self.note("batch-complete (wild)");
                        let _ = batch.complete(Some(count));
                        self.note("batch-finish (wild)");
                        flow(&batch.finish(None))
                    }
                    other => flow(&other),
                }
            }
            6 => {
                let config = wit::CallbackConfig {
                    timeout_seconds: rng.wild_u64(),
                    heartbeat_timeout_seconds: rng.wild_u64(),
                    sub_type: rng.wild_opt_string(),
                };
                let name = format!("cb-timeout-wild-{}", rng.below(1000));
                self.note("create-callback (wild)");
                flow(&ctx.create_callback(Some(&name), &config))
            }
            7 => {
                let function = rng.wild_string();
                let (payload, tenant) = (rng.wild_opt_string(), rng.wild_opt_string());
                self.note("invoke (wild)");
                flow(&ctx.invoke(None, &function, payload.as_deref(), tenant.as_deref()))
            }
            8 => {
                let (name, sub_type) = (rng.wild_opt_string(), rng.wild_opt_string());
                let body = if rng.flip() {
                    Ok(rng.wild_opt_string())
                } else {
                    Err(rng.wild_error())
                };
                self.note("child-begin (wild)");
                match ctx.child_begin(name.as_deref(), sub_type.as_deref()) {
                    Ok(wit::ChildStart::Run(child)) => {
                        self.note("child-end (wild)");
                        flow(&wit::child_end(child, borrowed(&body)))
                    }
                    other => flow(&other),
                }
            }
            9 => {
                let (name, state) = (rng.wild_opt_string(), rng.wild_string());
                let decision = match rng.below(3) {
                    0 => wit::ConditionDecision::Stop,
                    1 => wit::ConditionDecision::ContinueAfter(rng.wild_delay()),
                    _ => wit::ConditionDecision::ContinueWith(wit::WaitStrategyConfig {
                        max_attempts: rng.wild_u32(),
                        initial_delay_seconds: rng.wild_u32(),
                        max_delay_seconds: rng.wild_delay(),
                        backoff_rate: rng.wild_f64(),
                        jitter: rng.jitter(),
                    }),
                };
                let checked = rng.wild_string();
                self.note("condition-begin (wild)");
                match ctx.condition_begin(name.as_deref(), &state) {
                    Ok(wit::ConditionStart::Check(check)) => {
                        // Stops by the third check at most, as above.
                        let decision = if check.attempt >= 3 {
                            wit::ConditionDecision::Stop
                        } else {
                            decision
                        };
                        self.note("condition-end (wild)");
                        flow(&ctx.condition_end(&check.id, Ok(&checked), decision))
                    }
                    other => flow(&other),
                }
            }
            10 | 11 => {
                let message = rng.wild_string();
                self.note("log (wild)");
                ctx.log(wit::LogLevel::Warn, &message);
                Flow::Continue
            }
            12 | 13 => self.raw_checkpoint(rng),
            // The rest end the execution when the host does its job.
            14 => {
                let id = if self.seen.is_empty() || rng.flip() {
                    rng.wild_string()
                } else {
                    self.seen[rng.below(self.seen.len() as u64) as usize].clone()
                };
                let body = rng.body(50);
                self.note("step-end (made-up handle)");
                flow(&ctx.step_end(&id, borrowed(&body), None))
            }
            15 => {
                let id = rng.wild_string();
                self.note("callback-result (made-up handle)");
                flow(&ctx.callback_result(&id))
            }
            16 => {
                let id = rng.wild_string();
                self.note("condition-end (made-up handle)");
                flow(&ctx.condition_end(&id, Ok("{}"), wit::ConditionDecision::Stop))
            }
            17 => {
                // A durable call from inside a step body.
                self.note("step-begin");
                if let Ok(wit::StepStart::Run(_)) = ctx.step_begin(None, &rng.step_config()) {
                    self.note("wait (inside a step)");
                    return flow(&ctx.wait(None, 1));
                }
                Flow::Continue
            }
            18 => {
                // Goes on after a suspension instead of unwinding.
                self.note("wait");
                if ctx.wait(None, 5).is_err() {
                    self.note("step-begin (after suspension)");
                    return flow(&ctx.step_begin(None, &rng.step_config()));
                }
                Flow::Continue
            }
            _ => {
                let flavour = [
                    wit::SdkFlavour::Durabox,
                    wit::SdkFlavour::Python,
                    wit::SdkFlavour::Javascript,
                ][rng.below(3) as usize];
                self.note("declare-sdk (late)");
                wit::declare_sdk(flavour);
                Flow::Continue
            }
        }
    }

    /// A raw checkpoint as a guest with its own SDK sends it: malformed, with a made-up
    /// token, or with the real token and updates the engine knows nothing about.
    fn raw_checkpoint(&mut self, rng: &mut Rng) -> Flow {
        let request = match rng.below(4) {
            0 => rng.wild_string(),
            1 => format!(
                "{{\"CheckpointToken\": \"{}\", \"Updates\": []}}",
                rng.below(1_000_000)
            ),
            _ => {
                self.note("invocation-envelope");
                let envelope = wit::invocation_envelope();
                let token = envelope
                    .split("\"CheckpointToken\":\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default()
                    .to_owned();
                let update = match rng.below(5) {
                    0 => String::new(),
                    1 => format!(
                        "{{\"Id\": \"raw-{}\", \"Type\": \"STEP\", \"Action\": \"START\", \
                         \"SubType\": \"Step\"}}",
                        rng.below(1000)
                    ),
                    2 => format!(
                        "{{\"Id\": \"raw-{}\", \"Type\": \"WAIT\", \"Action\": \"START\", \
                         \"WaitOptions\": {{\"WaitSeconds\": {}}}}}",
                        rng.below(1000),
                        rng.wild_u64()
                    ),
                    3 => format!(
                        "{{\"Id\": \"{}\", \"Type\": \"CONTEXT\", \"Action\": \"SUCCEED\", \
                         \"Payload\": \"1\"}}",
                        self.seen
                            .last()
                            .cloned()
                            .unwrap_or_else(|| "raw-context".into())
                    ),
                    _ => "{\"Id\": \"nope\", \"Type\": \"EXECUTION\", \"Action\": \"FAIL\"}".into(),
                };
                format!("{{\"CheckpointToken\": \"{token}\", \"Updates\": [{update}]}}")
            }
        };
        self.note("checkpoint (raw)");
        let _ = wit::checkpoint(&request);
        Flow::Continue
    }
}

/// Runs the program of `seed` (`actions` actions at the top level, `hostile` percent of
/// them hostile). Returns the calls this invocation made, or none when the program
/// suspended (the handler returns pending and the host invokes it again later).
pub fn fuzz(
    root: &wit::Context,
    seed: u64,
    actions: u32,
    hostile: u64,
    nested: bool,
) -> Option<u32> {
    let mut rng = Rng::new(seed);
    let mut fuzzer = Fuzzer {
        calls: 0,
        hostile,
        nested,
        seen: Vec::new(),
    };
    // Some seeds declare an SDK flavour (other operation ids) before any operation, in
    // every invocation, as an SDK does.
    if rng.percent(20) {
        let flavour = if rng.flip() {
            wit::SdkFlavour::Python
        } else {
            wit::SdkFlavour::Durabox
        };
        fuzzer.note("declare-sdk");
        wit::declare_sdk(flavour);
    }
    fuzzer.run(root, &mut rng, actions)
}

impl Fuzzer {
    fn run(&mut self, root: &wit::Context, rng: &mut Rng, actions: u32) -> Option<u32> {
        match self.block(root, rng, 0, actions) {
            Flow::Continue => Some(self.calls),
            Flow::Suspended => None,
        }
    }
}
