// Configuration named after the AWS JS SDK: durations, retry strategies and presets,
// step semantics, wait strategies. The host applies strategies (it owns retries and
// jitter); these helpers describe them and translate them to the WIT shapes.

/** A duration: a number of seconds or `{ days, hours, minutes, seconds }`. */
export function toSeconds(duration, what = 'duration') {
  if (typeof duration === 'number') return Math.floor(duration);
  if (typeof duration === 'bigint') return Number(duration);
  if (duration && typeof duration === 'object') {
    const { days = 0, hours = 0, minutes = 0, seconds = 0 } = duration;
    return Math.floor(((days * 24 + hours) * 60 + minutes) * 60 + seconds);
  }
  throw new TypeError(`${what} must be a number of seconds or { days, hours, minutes, seconds }`);
}

const u32 = (n) => Math.max(0, Math.min(0xffffffff, Math.floor(n)));

/** Whether a step body may run more than once per retry (AWS `StepSemantics`). */
export const StepSemantics = Object.freeze({
  AtLeastOncePerRetry: 'AT_LEAST_ONCE_PER_RETRY',
  AtMostOncePerRetry: 'AT_MOST_ONCE_PER_RETRY',
});

/** Randomisation of retry / poll delays (AWS `JitterStrategy`). */
export const JitterStrategy = Object.freeze({ NONE: 'NONE', FULL: 'FULL', HALF: 'HALF' });

function witJitter(jitter) {
  switch (String(jitter ?? 'FULL').toUpperCase()) {
    case 'NONE':
      return 'none';
    case 'HALF':
      return 'half';
    case 'FULL':
      return 'full';
    default:
      throw new TypeError(`unknown jitter strategy ${jitter}`);
  }
}

function applyJitter(delay, jitter) {
  switch (witJitter(jitter)) {
    case 'none':
      return delay;
    case 'half':
      return delay / 2 + Math.random() * (delay / 2);
    default:
      return Math.random() * delay;
  }
}

/** Marks a retry function with the declarative strategy the host should apply instead. */
const WIT_RETRY = Symbol('durabox.retryStrategy');
/** Marks a wait-strategy function with its declarative backoff. */
const WIT_WAIT = Symbol('durabox.waitStrategy');

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function describeRetry(config) {
  const linear = config.backoff === 'LINEAR' || config.increment !== undefined;
  const patterns = config.retryableErrors?.map((p) =>
    p instanceof RegExp ? p.source : escapeRegExp(String(p)),
  );
  const types = config.retryableErrorTypes?.map((t) => (typeof t === 'function' ? t.name : String(t)));
  return {
    maxAttempts: u32(config.maxAttempts ?? 3),
    initialDelaySeconds: u32(toSeconds(config.initialDelay ?? 5, 'initialDelay')),
    maxDelaySeconds: u32(toSeconds(config.maxDelay ?? 300, 'maxDelay')),
    backoffRate: linear ? 1 : (config.backoffRate ?? 2),
    backoff: linear ? 'linear' : 'exponential',
    incrementSeconds: linear ? u32(toSeconds(config.increment ?? 0, 'increment')) : 0,
    jitter: witJitter(config.jitter),
    retryableErrorPatterns: patterns,
    retryableErrorTypes: types,
  };
}

/**
 * AWS `createRetryStrategy(config)`: `{ maxAttempts (3), initialDelay (5 s), maxDelay
 * (300 s), backoffRate (2), jitter (FULL), retryableErrors: (string|RegExp)[],
 * retryableErrorTypes: (ErrorClass|string)[] }`, plus durabox's `backoff: 'LINEAR'` with
 * `increment`. Returns a retry function `(error, attempt) => { shouldRetry, delay }`;
 * the SDK hands the declarative form to the host, which applies it (and the jitter).
 */
export function createRetryStrategy(config = {}) {
  const wit = describeRetry(config);
  const fn = (error, attempt) => {
    if (attempt >= wit.maxAttempts) return { shouldRetry: false };
    const message = String(error?.message ?? '');
    const type = error?.errorType ?? error?.name ?? '';
    const byPattern = wit.retryableErrorPatterns?.some((p) => new RegExp(p).test(message));
    const byType = wit.retryableErrorTypes?.includes(type);
    const filtered = wit.retryableErrorPatterns || wit.retryableErrorTypes;
    if (filtered && !byPattern && !byType) return { shouldRetry: false };
    const raw =
      wit.backoff === 'linear'
        ? wit.initialDelaySeconds + wit.incrementSeconds * (attempt - 1)
        : wit.initialDelaySeconds * wit.backoffRate ** (attempt - 1);
    const delay = Math.max(1, Math.round(applyJitter(Math.min(raw, wit.maxDelaySeconds), config.jitter)));
    return { shouldRetry: true, delay: { seconds: delay } };
  };
  fn[WIT_RETRY] = { tag: 'custom', val: wit };
  return fn;
}

/**
 * AWS `createLinearRetryStrategy(config)`: `{ maxAttempts (6), initialDelay (1 s),
 * increment (1 s), maxDelay (300 s), jitter (FULL), retryableErrors, retryableErrorTypes }`;
 * the delay before retry n is `initialDelay + increment × (n − 1)`, capped at `maxDelay`.
 * Applied by the host like `createRetryStrategy`.
 */
export function createLinearRetryStrategy(config = {}) {
  return createRetryStrategy({
    maxAttempts: 6,
    initialDelay: 1,
    increment: 1,
    maxDelay: 300,
    jitter: 'FULL',
    ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)),
    backoff: 'LINEAR',
  });
}

function preset(name, equivalent) {
  const fn = createRetryStrategy(equivalent);
  fn[WIT_RETRY] = { tag: 'preset', val: name };
  return fn;
}

/**
 * The AWS retry presets. Each is a retry function the host applies natively:
 * `default` (6 attempts, 5 s, ×2, 60 s cap, full jitter), `none` / `noRetry`,
 * `transient` (3, 5 s, ×2, half jitter), `resourceAvailability` (5, 5 s, ×2, full),
 * `critical` (10, 1 s, ×1.5, no jitter), `linear` (6, 1 s + 1 s per attempt), and
 * `fixed(attempts, interval)`.
 */
export const retryPresets = Object.freeze({
  default: preset('default', { maxAttempts: 6, initialDelay: 5, maxDelay: 60, jitter: 'FULL' }),
  none: preset('none', { maxAttempts: 1 }),
  noRetry: preset('none', { maxAttempts: 1 }),
  transient: preset('transient', { maxAttempts: 3, initialDelay: 5, jitter: 'HALF' }),
  resourceAvailability: preset('resource-availability', { maxAttempts: 5, initialDelay: 5 }),
  critical: preset('critical', { maxAttempts: 10, initialDelay: 1, maxDelay: 60, backoffRate: 1.5, jitter: 'NONE' }),
  linear: preset('linear', { maxAttempts: 6, initialDelay: 1, backoff: 'LINEAR', increment: 1, jitter: 'NONE' }),
  fixed(attempts, interval) {
    const seconds = u32(toSeconds(interval, 'interval'));
    const fn = createRetryStrategy({ maxAttempts: attempts, initialDelay: seconds, backoffRate: 1, jitter: 'NONE' });
    fn[WIT_RETRY] = { tag: 'fixed', val: [u32(attempts), seconds] };
    return fn;
  },
});

/**
 * A step's `retryStrategy` as the WIT `retry` option plus an optional guest-side
 * decision function. Accepts a function (AWS style), a preset / `createRetryStrategy`
 * result (applied by the host), or a plain `createRetryStrategy` config object.
 */
export function retryToWit(strategy) {
  if (strategy === undefined || strategy === null) return { retry: undefined, decide: undefined };
  if (typeof strategy === 'function') {
    if (strategy[WIT_RETRY]) return { retry: strategy[WIT_RETRY], decide: undefined };
    return { retry: undefined, decide: strategy };
  }
  if (typeof strategy === 'object') {
    if (strategy[WIT_RETRY]) return { retry: strategy[WIT_RETRY], decide: undefined };
    return { retry: createRetryStrategy(strategy)[WIT_RETRY], decide: undefined };
  }
  throw new TypeError('retryStrategy must be a function, a retry preset or a retry config');
}

/** A retry function's answer as a WIT `retry-decision`. */
export function toRetryDecision(answer) {
  if (!answer || !answer.shouldRetry) return { shouldRetry: false, delaySeconds: 0 };
  const delay = answer.delay ?? answer.delaySeconds ?? 0;
  return { shouldRetry: true, delaySeconds: u32(toSeconds(delay, 'delay')) };
}

export function stepConfigToWit(config = {}) {
  const { retry, decide } = retryToWit(config.retryStrategy);
  const atMost =
    config.semantics === StepSemantics.AtMostOncePerRetry ||
    config.semantics === 'at-most-once-per-retry';
  return {
    wit: {
      retry,
      semantics: atMost ? 'at-most-once-per-retry' : 'at-least-once-per-retry',
      subType: config.subType,
    },
    decide,
  };
}

/** A callback's `{ timeout, heartbeatTimeout, subType }` as the WIT `callback-config`. */
export function callbackConfigToWit(config = {}) {
  const seconds = (d, what) => (d === undefined || d === null ? 0n : BigInt(Math.max(0, toSeconds(d, what))));
  return {
    timeoutSeconds: seconds(config.timeout, 'timeout'),
    heartbeatTimeoutSeconds: seconds(config.heartbeatTimeout, 'heartbeatTimeout'),
    subType: config.subType,
  };
}

/**
 * AWS `createWaitStrategy(config)` for `waitForCondition`: poll with backoff while
 * `shouldContinuePolling(state)` holds (default: never). `{ maxAttempts (60),
 * initialDelay (5 s), maxDelay (300 s), backoffRate (1.5), jitter (FULL) }`. The host
 * computes the delays; the returned function also works when called directly.
 */
export function createWaitStrategy(config = {}) {
  const shouldContinue = config.shouldContinuePolling ?? config.shouldContinue ?? (() => false);
  const wit = {
    maxAttempts: u32(config.maxAttempts ?? 60),
    initialDelaySeconds: u32(toSeconds(config.initialDelay ?? config.initialDelaySeconds ?? 5, 'initialDelay')),
    maxDelaySeconds: u32(toSeconds(config.maxDelay ?? config.maxDelaySeconds ?? 300, 'maxDelay')),
    backoffRate: config.backoffRate ?? 1.5,
    jitter: witJitter(config.jitter ?? config.jitterStrategy),
  };
  const fn = (state, attempt) => {
    if (!shouldContinue(state) || attempt >= wit.maxAttempts) return { shouldContinue: false };
    const raw = wit.initialDelaySeconds * wit.backoffRate ** (attempt - 1);
    const delay = Math.max(1, Math.round(applyJitter(Math.min(raw, wit.maxDelaySeconds), wit.jitter)));
    return { shouldContinue: true, delay: { seconds: delay } };
  };
  fn[WIT_WAIT] = { shouldContinue, wit };
  return fn;
}

/** The WIT `condition-decision` of a wait strategy for a checked state. */
export function conditionDecision(strategy, state, attempt) {
  if (typeof strategy !== 'function') {
    throw new TypeError('waitForCondition needs config.waitStrategy: (state, attempt) => { shouldContinue, delay }');
  }
  const declared = strategy[WIT_WAIT];
  if (declared) {
    return declared.shouldContinue(state) ? { tag: 'continue-with', val: declared.wit } : { tag: 'stop' };
  }
  const answer = strategy(state, attempt);
  if (!answer || !answer.shouldContinue) return { tag: 'stop' };
  return { tag: 'continue-after', val: u32(toSeconds(answer.delay ?? 1, 'delay')) };
}

/** AWS `CompletionConfig` as the WIT record. */
export function completionToWit(config = {}) {
  const opt = (v) => (v === undefined || v === null ? undefined : v);
  return {
    minSuccessful: opt(config.minSuccessful),
    toleratedFailureCount: opt(config.toleratedFailureCount),
    toleratedFailurePercentage: opt(config.toleratedFailurePercentage),
  };
}
