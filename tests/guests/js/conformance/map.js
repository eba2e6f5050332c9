// Suite `map` (9-x): map over items (named, unnamed, indexed, empty), completion policies,
// concurrency, FLAT nesting, item namers, item and whole-result serdes, suspension and
// replay, large results.

import { BatchItemStatus, BatchResult } from '../../../../sdk/js/src/index.js';

import { COUNTS, FULL, error, projection, tolerate } from './common.js';

/** Max concurrency 1: items run one after the other, in index order. */
const sequential = { maxConcurrency: 1 };

/** The input as a list (an absent or malformed list reads as empty). */
const items = (input) => (Array.isArray(input) ? input : []);

/** One item per letter of `plan`: `s` returns "ok", `f` raises ItemError. */
const runPlan = (context, name, plan, completionConfig) =>
  context.map(
    name,
    [...plan],
    async (_, c, i) => {
      if (c === 'f') throw error('ItemError', `item ${i} failed`);
      return 'ok';
    },
    { ...sequential, completionConfig },
  );

const summary = async (context, name, plan, completionConfig, keys) =>
  projection(await runPlan(context, name, plan, completionConfig), keys);

/** Checkpoints `v` as `wrapped:v` and reads it back without the prefix. */
const wrappedText = {
  serialize: async (value) => `wrapped:${value}`,
  deserialize: async (payload) => {
    if (typeof payload !== 'string' || !payload.startsWith('wrapped:')) {
      throw error('SerDesError', `not wrapped: ${payload}`);
    }
    return payload.slice('wrapped:'.length);
  },
};

/**
 * A whole-result serdes: "OPSERDE:" + the comma-joined results of a map whose items all
 * succeeded; reads back as that many succeeded items.
 */
const opSerde = {
  serialize: async (result) => `OPSERDE:${result.getResults().join(',')}`,
  deserialize: async (payload) => {
    if (typeof payload !== 'string' || !payload.startsWith('OPSERDE:')) {
      throw error('SerDesError', `not OPSERDE: ${payload}`);
    }
    const all = payload
      .slice('OPSERDE:'.length)
      .split(',')
      .map((result, index) => ({ index, status: BatchItemStatus.SUCCEEDED, result, error: undefined }));
    return new BatchResult(all, 'ALL_COMPLETED');
  },
};

/** Items "x" and "y" uppercased; the whole map result goes through `opSerde`. */
async function wholeResultSerdes(context, name, thenWait) {
  const result = await context.map(name, ['x', 'y'], async (_, item) => item.toUpperCase(), {
    ...sequential,
    serdes: opSerde,
  });
  if (thenWait) await context.wait({ seconds: 1 });
  return result.getResults();
}

const upper = async (_, item) => item.toUpperCase();

export const handlers = {
  /** Each item runs a step greeting it. */
  async '9-1'(context, input) {
    const result = await context.map(
      'map',
      items(input),
      (ctx, name) => ctx.step('greet', async () => `Hello, ${name}!`),
      sequential,
    );
    return result.getResults();
  },

  /** No name; each number doubled. */
  '9-2': async (context, input) => (await context.map(items(input), async (_, n) => n * 2, sequential)).getResults(),

  /** Each number plus its index. */
  '9-3': async (context, input) =>
    (await context.map('indexed', items(input), async (_, n, i) => n + i, sequential)).getResults(),

  /** An empty list. */
  '9-4': async (context, input) =>
    (await context.map('empty', items(input), async (_, n) => n, sequential)).getResults(),

  '9-5': (context) => summary(context, 'failfast', 'sfs', tolerate(0), FULL),

  /** Fail fast on item 0; the batch result rethrows it (not caught). */
  async '9-6'(context) {
    const result = await runPlan(context, 'throwing', 'fs', tolerate(0));
    result.throwIfError();
    return result.getResults();
  },

  '9-7': (context) =>
    summary(context, 'min-successful', 'ssss', { minSuccessful: 2 }, ['completionReason', 'successCount', 'totalCount']),
  '9-8': (context) => summary(context, 'tolerated', 'sfs', tolerate(1), FULL),
  '9-9': (context) => summary(context, 'tolerated-exceeded', 'ffs', tolerate(1), COUNTS),
  '9-10': (context) => summary(context, 'tolerated-pct', 'ffss', { toleratedFailurePercentage: 25 }, COUNTS),

  /** Three items, two at a time. */
  '9-11': async (context) =>
    (await context.map('concurrent', ['r0', 'r1', 'r2'], async (_, item) => item, { maxConcurrency: 2 })).getResults(),

  /** FLAT nesting; each item's step returns the item. */
  '9-12': async (context) =>
    (
      await context.map('flat', ['fa', 'fb'], (ctx, value) => ctx.step('item', async () => value), {
        ...sequential,
        nesting: 'FLAT',
      })
    ).getResults(),

  /** Iterations named `item-<item>`; each returns item * 10. */
  '9-13': async (context, input) =>
    (
      await context.map('named-items', items(input), async (_, n) => n * 10, {
        ...sequential,
        itemNamer: (n) => `item-${n}`,
      })
    ).getResults(),

  /** Items "x" and "y" uppercased, through the wrapping item serdes. */
  '9-14': async (context) =>
    (await context.map('serdes', ['x', 'y'], upper, { ...sequential, itemSerdes: wrappedText })).getResults(),

  /** Item 0 runs a step; item 1 waits 1 s (the invocation suspends), then runs a step. */
  '9-15': async (context) =>
    (
      await context.map(
        'suspend',
        ['r0', 'r1'],
        async (ctx, value, i) => {
          if (i === 1) await ctx.wait({ seconds: 1 });
          return await ctx.step('item', async () => value);
        },
        sequential,
      )
    ).getResults(),

  /** Four items of about 70 KB each: the map's result exceeds the 256 KB threshold. */
  async '9-16'(context) {
    const result = await context.map('large', ['a', 'b', 'c', 'd'], async (_, c) => c.repeat(70 * 1024), sequential);
    return projection(result, ['successCount', 'totalCount']);
  },

  /** Items uppercased, then a 1 s wait; the replay takes the map from the checkpoint. */
  async '9-17'(context) {
    const result = await context.map('then-wait', ['a', 'b'], upper, sequential);
    await context.wait({ seconds: 1 });
    return result.getResults();
  },

  /** Item "fail" fails (tolerated, not rethrown), then a 1 s wait. */
  async '9-18'(context) {
    const result = await context.map(
      'fail-then-wait',
      ['ok', 'fail'],
      async (_, item, i) => {
        if (item === 'fail') throw error('ItemError', `item ${i} failed`);
        return item;
      },
      { ...sequential, completionConfig: tolerate(1) },
    );
    await context.wait({ seconds: 1 });
    return projection(result, FULL);
  },

  '9-19': (context) => wholeResultSerdes(context, 'op-serde', false),
  '9-20': (context) => wholeResultSerdes(context, 'op-serde-replay', true),
};
