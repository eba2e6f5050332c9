// Suite `child` (3-x): child contexts, nesting, failures, replay, large results, serdes.

import { invocationEnvelope } from 'durabox:durable/types@0.1.0';

import { ChildContextError, retryPresets } from '../../../../sdk/js/src/index.js';

import { error, inputStr, noRetry } from './common.js';

/** A step inside `context` returning `value`. */
const echo = (context, name, value) => context.step(name, async () => value);

/** A step (no retry) that always fails. */
const fail = (context) =>
  context.step(
    'failing_step',
    async () => {
      throw error('StepError', 'child step failed');
    },
    noRetry,
  );

/** A child context with one step returning `value`. */
const singleStep = (context, name, value) => context.runInChildContext(name, (child) => echo(child, 'echo', value));

/** Bigger than the 256 KiB checkpoint limit for a child context's result. */
const LARGE_RESULT_BYTES = 300 * 1024;

/**
 * Whether an earlier invocation already started a step (read from the invocation's
 * initial state, before this invocation issues any operation).
 */
function stepStartedEarlier() {
  const envelope = JSON.parse(invocationEnvelope());
  const operations = envelope?.InitialExecutionState?.Operations ?? [];
  return operations.some((op) => op.Type === 'STEP');
}

/** Checkpoints a string upper-cased, as is (not JSON); reads the payload back unchanged. */
const uppercaseText = {
  serialize: async (value) => String(value).toUpperCase(),
  deserialize: async (payload) => payload ?? '',
};

export const handlers = {
  /** A child context with one step returning the input. */
  '3-1': (context, input) => singleStep(context, 'child', inputStr(input)),

  /** The child context is named after `input.name`; its step returns `input.value`. */
  '3-2': (context, input) => singleStep(context, inputStr(input?.name), inputStr(input?.value)),

  /** Two steps, the second receiving the first step's result. */
  '3-3': (context, input) =>
    context.runInChildContext('two_steps', async (child) => {
      const first = await echo(child, 'first', inputStr(input));
      return await echo(child, 'second', first);
    }),

  /** The inner step fails; the child context and the execution fail. */
  '3-4': (context) => context.runInChildContext('failing_child', fail),

  /** The child context's failure is caught; a recovery step returns the input. */
  async '3-5'(context, input) {
    try {
      await context.runInChildContext('failing_child', fail);
    } catch (e) {
      if (!(e instanceof ChildContextError)) throw e;
    }
    return await echo(context, 'recovery', inputStr(input));
  },

  /** An outer child (one step) containing an inner child (one step). */
  '3-6': (context, input) =>
    context.runInChildContext('outer', async (outer) => {
      await echo(outer, 'outer_step', inputStr(input));
      return await outer.runInChildContext('inner', (inner) => echo(inner, 'inner_step', inputStr(input)));
    }),

  /** The inner step fails on attempt 1 and succeeds on attempt 2. */
  '3-7': (context, input) =>
    context.runInChildContext('retrying_child', (child) =>
      child.step(
        'flaky',
        async (step) => {
          if (step.attempt < 2) throw error('TemporaryError', 'first attempt fails');
          return inputStr(input);
        },
        { retryStrategy: retryPresets.fixed(3, { seconds: 1 }) },
      ),
    ),

  /** The inner step always fails, 2 attempts; the child context and execution fail. */
  '3-8': (context) =>
    context.runInChildContext('exhausted_child', (child) =>
      child.step(
        'always_fails',
        async (step) => {
          throw error('AlwaysFails', `attempt ${step.attempt} failed`);
        },
        { retryStrategy: retryPresets.fixed(2, { seconds: 1 }) },
      ),
    ),

  /** A child context, then a wait; on replay the child returns its recorded result. */
  async '3-9'(context, input) {
    const result = await context.runInChildContext('cached_child', (child) => echo(child, 'echo', inputStr(input)));
    await context.wait({ seconds: 1 });
    return result;
  },

  /** A step and a wait inside the child context. */
  '3-10': (context, input) =>
    context.runInChildContext('step_and_wait', async (child) => {
      const value = await echo(child, 'echo', inputStr(input));
      await child.wait({ seconds: 1 });
      return value;
    }),

  /**
   * The child logs the input, runs a small step and builds a result over 256 KiB
   * (checkpointed with ReplayChildren, so it re-runs on replay); then a wait. Replay
   * logging is on, so the re-run child logs again.
   */
  async '3-11'(context, input) {
    context.configureLogger({ modeAware: false });
    const text = inputStr(input);
    const large = await context.runInChildContext('large_child', async (child) => {
      child.logger.info(`building large result for ${text}`);
      const small = await echo(child, 'small', text);
      const unit = `${small};`;
      return unit.repeat(Math.floor(LARGE_RESULT_BYTES / unit.length) + 1);
    });
    await context.wait({ seconds: 1 });
    return { length: large.length };
  },

  /**
   * The step crashes the runtime on the first invocation (after StepStarted); the next
   * invocation runs it again and it succeeds.
   */
  '3-12': (context, input) => {
    const crash = !stepStartedEarlier();
    return context.runInChildContext('interrupted_child', (child) =>
      child.step('crashing_step', async () => {
        if (crash) process.exit(1);
        return inputStr(input);
      }),
    );
  },

  /** A child context with only a wait, then a step outside it. */
  async '3-13'(context, input) {
    const fromChild = await context.runInChildContext('waiting_child', async (child) => {
      await child.wait({ seconds: 1 });
      return inputStr(input);
    });
    return await echo(context, 'after_child', fromChild);
  },

  /** The child's result goes through the upper-casing serdes. */
  '3-14': (context, input) =>
    context.runInChildContext('uppercase_child', (child) => echo(child, 'echo', inputStr(input)), {
      serdes: uppercaseText,
    }),

  /** The child function fails without any durable operation. */
  '3-15': (context) =>
    context.runInChildContext('throwing_child', async () => {
      throw error('ChildError', 'child failed directly');
    }),

  /** The child function returns null. */
  '3-16': (context) => context.runInChildContext('null_child', async () => null),

  /**
   * The child only logs and returns the input; then a wait. Replay logging is on, so a
   * re-run child would log twice (it is not re-run).
   */
  async '3-17'(context, input) {
    context.configureLogger({ modeAware: false });
    const text = inputStr(input);
    const result = await context.runInChildContext('logging_child', async (child) => {
      child.logger.info(`child context received ${text}`);
      return text;
    });
    await context.wait({ seconds: 1 });
    return result;
  },

  /** A step and a wait in the child context, then a step and a wait after it. */
  async '3-18'(context, input) {
    const fromChild = await context.runInChildContext('step_and_wait', async (child) => {
      const value = await echo(child, 'inner_step', inputStr(input));
      await child.wait({ seconds: 1 });
      return value;
    });
    const result = await echo(context, 'outer_step', fromChild);
    await context.wait({ seconds: 1 });
    return result;
  },
};
