// Suite `callback` (4-x): callbacks completed, failed or timed out by the outside world,
// combined with steps and waits, custom deserialization, several callbacks.

import { CallbackError } from '../../../../sdk/js/src/index.js';

import { error, inputStr } from './common.js';

/** Creates a callback and returns its result; failures and timeouts are not caught. */
async function awaitOne(context, name, config = {}) {
  const [result] = await context.createCallback(name, config);
  return await result;
}

/** Creates the callback, runs a step, then awaits the callback. */
async function stepBetween(context, name, config = {}) {
  const [result] = await context.createCallback(name, config);
  await context.step('between', async () => 'step done');
  return await result;
}

/** Creates the callback, waits, then awaits the callback. */
async function waitBetween(context, name, config, seconds) {
  const [result] = await context.createCallback(name, config);
  await context.wait({ seconds });
  return await result;
}

/** The failure (or timeout) is caught and its message kept; then a 2 s wait. */
async function caughtThenWait(context, name, config) {
  const [result] = await context.createCallback(name, config);
  let message;
  try {
    message = { result: await result };
  } catch (e) {
    if (!(e instanceof CallbackError)) throw e;
    message = { error: e.message };
  }
  await context.wait({ seconds: 2 });
  return message;
}

/** Reads `{id, message, timestamp: ISO-8601}`, the timestamp as epoch seconds. */
const typedPayload = {
  serialize: async (value) => JSON.stringify(value ?? null),
  deserialize: async (payload) => {
    const raw = JSON.parse(payload ?? 'null');
    const millis = Date.parse(raw?.timestamp);
    if (Number.isNaN(millis)) throw error('DeserializationError', 'timestamp is not ISO-8601');
    return { id: raw.id, message: raw.message, timestamp: Math.floor(millis / 1000) };
  },
};

/** Reads the payload as a number. */
const numericPayload = {
  serialize: async (value) => JSON.stringify(value ?? null),
  deserialize: async (payload) => {
    const count = Number(String(payload ?? '').trim().replace(/^"|"$/g, ''));
    if (!Number.isFinite(count) || String(payload ?? '').trim() === '') {
      throw error('DeserializationError', `not a number: ${payload}`);
    }
    return count;
  },
};

/** The two callback names of 4-17..4-19 (`[A, B]`). */
const pairNames = (input) => [inputStr(input?.[0]), inputStr(input?.[1])];

/** Creates A and B, then awaits both (B first when `bFirst`). */
async function awaitPair(context, input, bFirst) {
  const [a, b] = pairNames(input);
  const [resultA] = await context.createCallback(a);
  const [resultB] = await context.createCallback(b);
  if (bFirst) {
    const second = await resultB;
    return [await resultA, second];
  }
  const first = await resultA;
  return [first, await resultB];
}

export const handlers = {
  '4-1': (context, input) => awaitOne(context, inputStr(input)),
  '4-2': (context) => awaitOne(context, 'approval'),
  '4-3': (context, input) => awaitOne(context, inputStr(input), { timeout: { seconds: 5 } }),
  '4-4': (context, input) => awaitOne(context, inputStr(input), { heartbeatTimeout: { seconds: 5 } }),
  '4-5': (context, input) => awaitOne(context, inputStr(input), { heartbeatTimeout: { seconds: 10 } }),
  '4-6': (context, input) => awaitOne(context, inputStr(input)),
  '4-7': (context, input) => stepBetween(context, inputStr(input)),
  '4-8': (context, input) => stepBetween(context, inputStr(input), { timeout: { seconds: 5 } }),
  '4-9': (context, input) => waitBetween(context, inputStr(input), {}, 5),
  '4-10': (context, input) => waitBetween(context, inputStr(input), {}, 5),
  '4-11': (context, input) => waitBetween(context, inputStr(input), { timeout: { seconds: 3 } }, 6),

  /** Awaits the callback, then waits 2 s, then returns the callback's result. */
  async '4-12'(context, input) {
    const result = await awaitOne(context, inputStr(input));
    await context.wait({ seconds: 2 });
    return result;
  },

  '4-13': (context, input) => caughtThenWait(context, inputStr(input), {}),
  '4-14': (context, input) => caughtThenWait(context, inputStr(input), { timeout: { seconds: 3 } }),

  /** A custom deserializer turns the ISO timestamp into epoch seconds. */
  async '4-15'(context, input) {
    return { received: await awaitOne(context, inputStr(input), { serdes: typedPayload }) };
  },

  /** A custom deserializer parses the payload into a number. */
  async '4-16'(context, input) {
    const count = await awaitOne(context, inputStr(input), { serdes: numericPayload });
    return { count, doubled: count * 2 };
  },

  /** Creates and awaits A, then creates and awaits B. */
  async '4-17'(context, input) {
    const [a, b] = pairNames(input);
    const first = await awaitOne(context, a);
    const second = await awaitOne(context, b);
    return [first, second];
  },

  '4-18': (context, input) => awaitPair(context, input, false),
  '4-19': (context, input) => awaitPair(context, input, true),
};
