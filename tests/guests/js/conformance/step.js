// Suite `step` (1-x): single steps, results, serdes, replay, retry strategies, semantics.

import {
  JitterStrategy,
  StepError,
  StepSemantics,
  createRetryStrategy,
  retryPresets,
} from '../../../../sdk/js/src/index.js';

import { error, inputStr, noRetry } from './common.js';

class TransientError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TransientError';
  }
}

/** `attempts` in total, 1 s apart. */
const everySecond = (attempts) =>
  createRetryStrategy({ maxAttempts: attempts, initialDelay: { seconds: 1 }, backoffRate: 1, jitter: JitterStrategy.NONE });

/** Every string value upper-cased (the suite's `uppercase_serdes`). */
function uppercase(value) {
  if (typeof value === 'string') return value.toUpperCase();
  if (Array.isArray(value)) return value.map(uppercase);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, uppercase(v)]));
  return value;
}

const uppercaseSerdes = {
  serialize: async (value) => JSON.stringify(uppercase(value ?? null)),
  deserialize: async (payload) => JSON.parse(payload ?? 'null'),
};

/** 1-8, 1-9: a step, then a wait; on replay the step returns its recorded result. */
async function stepThenWait(context, value, seconds) {
  const result = await context.step('compute', async (step) => {
    step.logger.info('step executed');
    return value;
  });
  await context.wait({ seconds });
  return result;
}

/** A step that fails `attempts - 1` times, then returns its attempt number. */
const failsUntil = (attempts) => async (step) => {
  if (step.attempt < attempts) throw error('TemporaryError', `attempt ${step.attempt} failed`);
  return step.attempt;
};

export const handlers = {
  /** `Hello, <input>!` from an unnamed step. */
  '1-1': (context, input) => context.step(async () => `Hello, ${inputStr(input)}!`),

  /** The same, from a step named custom_step_name. */
  '1-2': (context, input) => context.step('custom_step_name', async () => `Hello, ${inputStr(input)}!`),

  /** The second step uses the first step's result. */
  async '1-3'(context) {
    const first = await context.step('step_one', async () => 'first');
    return await context.step('step_two', async () => `${first}_second`);
  },

  /** A nested object built from `{name, tags}`. */
  '1-4': (context, input) =>
    context.step('build_response', async () => {
      const tags = Array.isArray(input?.tags) ? input.tags : [];
      return { user: { name: input?.name, tags }, count: tags.length };
    }),

  /** A step returning null. */
  '1-5': (context) => context.step('do_nothing', async () => null),

  /** The step returns its input; the serdes upper-cases it. */
  '1-6': (context, input) => context.step('return_input', async () => input, { serdes: uppercaseSerdes }),

  /** The step logs through its step-context logger. */
  '1-7': (context, input) =>
    context.step('greet', async (step) => {
      const who = inputStr(input);
      step.logger.info(`Greeting step started for: ${who}`);
      const greeting = `Hello, ${who}!`;
      step.logger.info(`Greeting step completed with: ${greeting}`);
      return greeting;
    }),

  '1-8': (context) => stepThenWait(context, 'computed', 2),
  '1-9': (context) => stepThenWait(context, 'cached_value', 1),

  /** A failed step (no retry) is caught; on replay it fails again without running. */
  async '1-10'(context) {
    let caught = null;
    try {
      await context.step(
        'failing_step',
        async (step) => {
          step.logger.info('step executed');
          throw error('StepError', 'step failed on purpose');
        },
        noRetry,
      );
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      caught = e.message;
    }
    await context.wait({ seconds: 1 });
    return { caught };
  },

  /** Fails attempt 1, succeeds on attempt 2 (3 attempts, 1 s apart). */
  '1-11': (context) =>
    context.step(
      'unreliable',
      async (step) => {
        if (step.attempt < 2) throw error('TemporaryError', 'first attempt fails');
        return 'Operation succeeded';
      },
      { retryStrategy: everySecond(3) },
    ),

  /** Always fails; 4 attempts 1 s apart, then the execution fails. */
  '1-12': (context) =>
    context.step(
      'always_fail',
      async (step) => {
        throw error('AlwaysFails', `attempt ${step.attempt} failed`);
      },
      { retryStrategy: everySecond(4) },
    ),

  /** No retry config (the SDK default); fails attempts 1 and 2. */
  async '1-13'(context) {
    return { attempts: await context.step('unreliable', failsUntil(3)) };
  },

  /** Fails attempts 1 and 2; 5 attempts, 2 s initial delay, backoff 3, no jitter. */
  async '1-14'(context) {
    const retryStrategy = createRetryStrategy({
      maxAttempts: 5,
      initialDelay: { seconds: 2 },
      backoffRate: 3,
      jitter: JitterStrategy.NONE,
    });
    return { attempts: await context.step('flaky', failsUntil(3), { retryStrategy }) };
  },

  /** Throws TransientError once; the strategy retries only that type (1 s). */
  '1-15': (context) =>
    context.step(
      'transient_once',
      async (step) => {
        if (step.attempt < 2) throw new TransientError('temporary glitch');
        return 'recovered from transient error';
      },
      {
        retryStrategy: (e, attempt) =>
          e instanceof TransientError && attempt < 3 ? { shouldRetry: true, delay: { seconds: 1 } } : { shouldRetry: false },
      },
    ),

  /** Throws TransientError; the strategy never retries it, the execution fails. */
  '1-16': (context) =>
    context.step(
      'transient_fails',
      async () => {
        throw new TransientError('not retried');
      },
      {
        retryStrategy: (e) =>
          e instanceof TransientError ? { shouldRetry: false } : { shouldRetry: true, delay: { seconds: 1 } },
      },
    ),

  /**
   * An at-most-once step without retry logs its input and crashes the runtime; the
   * interrupted attempt fails the step (and the execution) on the next invocation.
   */
  '1-17': (context, input) =>
    context.step(
      'at_most_once_flaky_step',
      async (step) => {
        step.logger.info(`executing step for ${inputStr(input)}`);
        process.exit(1);
      },
      { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: retryPresets.none },
    ),

  /** An at-most-once step with retry crashes on attempt 1 and succeeds on attempt 2. */
  '1-18': (context, input) =>
    context.step(
      'at_most_once_retry_step',
      async (step) => {
        step.logger.info(`executing step for ${inputStr(input)}, attempt ${step.attempt}`);
        if (step.attempt < 2) process.exit(1);
        return 'succeeded on second attempt';
      },
      { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: everySecond(3) },
    ),

  /** A step without retry that always fails; the execution fails. */
  '1-19': (context) =>
    context.step(
      'failing_step',
      async () => {
        throw error('StepError', 'step always fails');
      },
      noRetry,
    ),

  /** The failure is caught, a second step returns the fallback value. */
  async '1-20'(context) {
    let fallback;
    try {
      fallback = await context.step(
        'failing_step',
        async () => {
          throw error('StepError', 'step fails');
        },
        noRetry,
      );
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      fallback = 'fallback_result';
    }
    return await context.step('use_fallback', async () => fallback);
  },
};
