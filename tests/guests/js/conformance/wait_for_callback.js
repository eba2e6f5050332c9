// Suite `wait_for_callback` (7-x): a callback plus a submitter step in one child context
// (SubType WaitForCallback).

import { CallbackError, retryPresets } from '../../../../sdk/js/src/index.js';

import { error, inputStr } from './common.js';

/** A submitter that only hands the callback id over (nothing durable). */
async function submit(callbackId, step) {
  step.logger.info(`submitting callback ${callbackId}`);
}

/** The error is caught and `fallback` returned. */
async function recovered(context, name, config, fallback) {
  try {
    return await context.waitForCallback(name, submit, config);
  } catch (e) {
    if (!(e instanceof CallbackError)) throw e;
    return fallback;
  }
}

/** Reads the payload as a JSON object. */
const jsonObject = {
  serialize: async (value) => JSON.stringify(value ?? null),
  deserialize: async (payload) => JSON.parse(payload ?? 'null'),
};

export const handlers = {
  '7-1': (context, input) => context.waitForCallback(inputStr(input), submit),
  '7-2': (context) => context.waitForCallback('approval', submit),

  /** No name: only the submitter. */
  '7-3': (context) => context.waitForCallback(submit),

  '7-4': (context, input) => context.waitForCallback(inputStr(input), submit),
  '7-5': (context, input) => context.waitForCallback(inputStr(input), submit, { timeout: { seconds: 3 } }),
  '7-6': (context, input) => recovered(context, inputStr(input), {}, 'recovered'),

  /** The submitter always throws; 2 attempts 1 s apart, then the operation fails. */
  '7-7': (context, input) =>
    context.waitForCallback(
      inputStr(input),
      async (_, step) => {
        throw error('SubmitterError', `submitter attempt ${step.attempt} failed`);
      },
      { retryStrategy: retryPresets.fixed(2, { seconds: 1 }) },
    ),

  /** The operation runs inside a child context named "wrapper". */
  '7-8': (context, input) =>
    context.runInChildContext('wrapper', (child) => child.waitForCallback(inputStr(input), submit)),

  /** "first", then "second"; returns the second result. */
  async '7-9'(context) {
    await context.waitForCallback('first', submit);
    return await context.waitForCallback('second', submit);
  },

  /** A 1 s wait, a top-level step, then the operation. */
  async '7-10'(context, input) {
    await context.wait({ seconds: 1 });
    await context.step('fixed_data', async () => ({ data: 'fixed' }));
    return await context.waitForCallback(inputStr(input), submit);
  },

  /** The payload is read as a JSON object; its `status` field is returned. */
  async '7-11'(context, input) {
    const payload = await context.waitForCallback(inputStr(input), submit, { serdes: jsonObject });
    return payload?.status;
  },

  '7-12': (context, input) => context.waitForCallback(inputStr(input), submit, { heartbeatTimeout: { seconds: 5 } }),
  '7-13': (context, input) => context.waitForCallback(inputStr(input), submit, { heartbeatTimeout: { seconds: 10 } }),
  '7-14': (context, input) => recovered(context, inputStr(input), { timeout: { seconds: 3 } }, 'timed-out-handled'),
  '7-15': (context, input) => context.waitForCallback(inputStr(input), submit),
};
