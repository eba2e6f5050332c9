// Suite `wait_for_condition` (6-x): polling a check function until the wait strategy
// stops, with names, initial states, fixed delays, attempt limits, failing checks,
// structured, null and custom-serialized states, and sequences.

import {
  JitterStrategy,
  WaitForConditionError,
  createWaitStrategy,
} from '../../../../sdk/js/src/index.js';

import { error } from './common.js';

/** Polls while `shouldContinuePolling(state)`, a fixed `seconds` apart (no backoff, no jitter). */
const fixed = (seconds, shouldContinuePolling, extra = {}) =>
  createWaitStrategy({
    shouldContinuePolling,
    initialDelay: { seconds },
    maxDelay: { seconds },
    backoffRate: 1,
    jitter: JitterStrategy.NONE,
    ...extra,
  });

/** Increments the state from `initial` while it is below `threshold`; returns the final state. */
const countUp = (context, name, initial, threshold, seconds = 1, extra = {}) =>
  context.waitForCondition(name, async (n) => n + 1, {
    initialState: initial,
    waitStrategy: fixed(seconds, (n) => n < threshold, extra),
  });

/** The first check raises. */
const failingCheck = (context) =>
  context.waitForCondition(
    async () => {
      throw error('CheckError', 'the check function failed');
    },
    { initialState: 0, waitStrategy: fixed(1, () => true) },
  );

/** A string state checkpointed as `{"encoded": <reversed>}` and decoded back when read. */
const reverse = (s) => [...s].reverse().join('');
const encodedSerdes = {
  serialize: async (state) => JSON.stringify({ encoded: reverse(state ?? '') }),
  deserialize: async (payload) => reverse(JSON.parse(payload).encoded),
};

const threshold = (input) => (typeof input === 'number' ? input : 0);

export const handlers = {
  '6-1': (context, input) => countUp(context, undefined, 0, threshold(input)),

  /**
   * The state starts at 5 and is returned unchanged; the strategy continues only while it
   * is below the input (5), so the first check stops.
   */
  '6-2': (context, input) =>
    context.waitForCondition(async (n) => n, {
      initialState: 5,
      waitStrategy: fixed(1, (n) => n < threshold(input)),
    }),

  '6-3': (context, input) => countUp(context, 'poll-status', 0, threshold(input)),
  '6-4': (context, input) => countUp(context, undefined, 5, threshold(input)),
  '6-5': (context, input) => countUp(context, undefined, 0, threshold(input), 2),

  /** Never met; at most 3 attempts 1 s apart, so the third check fails (not caught). */
  '6-6': (context) => countUp(context, undefined, 0, Infinity, 1, { maxAttempts: 3 }),

  '6-7': failingCheck,

  /** The failing check is caught; returns "recovered". */
  async '6-8'(context) {
    try {
      return await failingCheck(context);
    } catch (e) {
      if (!(e instanceof WaitForConditionError)) throw e;
      return 'recovered';
    }
  },

  /** `{status, attempts}` state: PENDING until the second check sets DONE. */
  '6-9': (context) =>
    context.waitForCondition(
      async (job) => {
        const attempts = job.attempts + 1;
        return { status: attempts >= 2 ? 'DONE' : 'PENDING', attempts };
      },
      {
        initialState: { status: 'PENDING', attempts: 0 },
        waitStrategy: fixed(1, (job) => job.status === 'PENDING'),
      },
    ),

  /** The check returns null and the strategy stops at once. */
  '6-10': (context) =>
    context.waitForCondition(async () => null, {
      initialState: null,
      waitStrategy: () => ({ shouldContinue: false }),
    }),

  /** The check appends "x" until the state is 2 characters long (custom state serdes). */
  '6-11': (context) =>
    context.waitForCondition(async (s) => `${s}x`, {
      initialState: '',
      waitStrategy: fixed(1, (s) => s.length < 2),
      serdes: encodedSerdes,
    }),

  /** Counts up to the input, then a step multiplies the result by 10. */
  async '6-12'(context, input) {
    const n = await countUp(context, undefined, 0, threshold(input));
    return await context.step('multiply', async () => n * 10);
  },

  /** Counts 0 -> 2, then 2 -> 4 in a second operation. */
  async '6-13'(context) {
    const first = await countUp(context, undefined, 0, 2);
    return await countUp(context, undefined, first, 4);
  },
};
