// Suite `invoke` (5-x): chained invokes of other functions, their failures, replay,
// tenant ids and custom payload/result (de)serialization; plus the invoke targets.
//
// The targets are served by this same component: DURABOX_CONFORMANCE_FN=target-echo etc.
// (see `targets:` in tests/conformance/js.yaml).

import { InvokeError } from '../../../../sdk/js/src/index.js';

import { error, inputStr } from './common.js';

/** Returns its input unchanged. */
const ECHO = 'conformance-target-echo';
/** Always fails with TargetError. */
const FAIL = 'conformance-target-fail';
/** Returns `{"length": <characters of the input as JSON>}`. */
const MEASURE = 'conformance-target-measure';
/** Uppercases a string input (other inputs are returned unchanged). */
const UPPER = 'conformance-target-upper';

/** The target functions' handlers (DURABOX_CONFORMANCE_FN=target-...). */
export const targets = {
  'target-echo': async (_, input) => input,
  'target-fail': async () => {
    throw error('TargetError', 'the target function failed');
  },
  'target-measure': async (_, input) => ({ length: JSON.stringify(input).length }),
  'target-upper': async (_, input) => (typeof input === 'string' ? input.toUpperCase() : input),
};

/** The invoke's result, or `{fallback: true, error: <ErrorType>}` when the target failed. */
async function caught(invoked) {
  try {
    return await invoked;
  } catch (e) {
    if (!(e instanceof InvokeError)) throw e;
    return { fallback: true, error: e.errorType };
  }
}

/** Sends a string uppercased (as JSON, the target's input). */
const uppercasePayload = {
  serialize: async (value) => JSON.stringify(String(value).toUpperCase()),
  deserialize: async (payload) => JSON.parse(payload ?? 'null'),
};

/**
 * Reads the target's result payload uppercased, as text (so the JSON string "hello" reads
 * as the text "HELLO", quotes included, like the AWS SDKs' string serdes).
 */
const uppercaseResult = {
  serialize: async (value) => String(value),
  deserialize: async (payload) => (payload ?? '').toUpperCase(),
};

export const handlers = {
  '5-1': (context, input) => context.invoke(ECHO, input),
  '5-2': (context, input) => context.invoke(inputStr(input?.name), ECHO, input?.payload),
  '5-3': (context, input) => context.invoke(ECHO, input),
  '5-4': (context, input) => context.invoke(ECHO, input),
  '5-5': (context) => context.invoke(FAIL, null),

  /** The failing target's InvokeError is caught; a fallback value is returned. */
  '5-6': (context) => caught(context.invoke(FAIL, null)),

  /** A payload of about 200 KB; the target reports the size it received. */
  '5-7': (context) => context.invoke(MEASURE, { data: 'x'.repeat(200 * 1024) }),

  /** `input.payload` is sent with `input.tenantId` as the tenant. */
  '5-8': (context, input) => context.invoke(undefined, ECHO, input?.payload, { tenantId: inputStr(input?.tenantId) }),

  /** Invoke, then a 1 s wait; the replay takes the invoke's result from the checkpoint. */
  async '5-9'(context) {
    const result = await context.invoke(ECHO, 'cached');
    await context.wait({ seconds: 1 });
    return result;
  },

  /** The failing invoke is caught, then a 1 s wait; the replay catches it again. */
  async '5-10'(context) {
    const result = await caught(context.invoke(FAIL, null));
    await context.wait({ seconds: 1 });
    return result;
  },

  /** A step, then an invoke of its result. */
  async '5-11'(context) {
    const prepared = await context.step('prepare', async () => 'prepared');
    return await context.invoke(ECHO, prepared);
  },

  /** An invoke, then a step processing its result. */
  async '5-12'(context) {
    const result = await context.invoke(ECHO, 'invoked');
    return await context.step('process', async () => ({ processed: result }));
  },

  /** The invoke runs inside a child context, which returns its result. */
  '5-13': (context) => context.runInChildContext('invoke-child', (child) => child.invoke(ECHO, 'from child')),

  /** Two different targets invoked one after the other. */
  async '5-14'(context) {
    const first = await context.invoke(ECHO, 'first');
    const second = await context.invoke(UPPER, 'second');
    return [first, second];
  },

  /** `input.data` goes through the custom payload serdes before it is sent. */
  '5-15': (context, input) =>
    context.invoke(undefined, ECHO, inputStr(input?.data), { payloadSerdes: uppercasePayload }),

  /** The echoed input is read back through the custom result serdes. */
  '5-16': (context, input) => context.invoke(undefined, ECHO, inputStr(input), { resultSerdes: uppercaseResult }),
};
