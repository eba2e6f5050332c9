// Suite `parallel` (8-x): branches (plain, unnamed, named), completion policies, nesting
// modes, replay across a suspension, custom branch serdes, nested parallels, validation.

import { COUNTS, FULL, error, projection, tolerate } from './common.js';

/** Max concurrency 1: branches run one after the other, in index order. */
const sequential = { maxConcurrency: 1 };

/** Branches returning the given values directly. */
const constants = (values) => values.map((v) => async () => v);

/** Each branch runs one step "task" returning its value. */
const withSteps = (values) => values.map((v) => (branch) => branch.step('task', async () => v));

/** One branch per letter of `plan`: `s` returns "ok", `f` raises BranchError. */
const planned = (plan) =>
  [...plan].map((c, i) => async () => {
    if (c === 'f') throw error('BranchError', `branch ${i} failed`);
    return 'ok';
  });

/** Runs the `plan` branches one at a time with `completion`; returns the projection `keys`. */
async function summary(context, name, plan, completionConfig, keys) {
  const result = await context.parallel(name, planned(plan), { ...sequential, completionConfig });
  return projection(result, keys);
}

/** Checkpoints `v` as `{"wrapped": v}` and unwraps it when read. */
const wrapped = {
  serialize: async (value) => JSON.stringify({ wrapped: value ?? null }),
  deserialize: async (payload) => {
    const envelope = JSON.parse(payload ?? 'null');
    if (!envelope || typeof envelope !== 'object' || !('wrapped' in envelope)) {
      throw error('SerDesError', `not wrapped: ${payload}`);
    }
    return envelope.wrapped;
  },
};

const results = async (batch) => (await batch).getResults();

export const handlers = {
  /** Two branches of one step each (NESTED). */
  '8-1': (context) => results(context.parallel('parallel', withSteps(['task-1', 'task-2']), sequential)),

  /** No name. */
  '8-2': (context) => results(context.parallel(constants(['alpha', 'beta']), sequential)),

  /** Branches "first" and "second". */
  '8-3': (context) =>
    results(
      context.parallel(
        'named',
        [
          { name: 'first', func: async () => 'one' },
          { name: 'second', func: async () => 'two' },
        ],
        sequential,
      ),
    ),

  /** A string, a number and an object. */
  '8-4': (context) => results(context.parallel('hetero', constants(['hello', 42, { k: 'v' }]), sequential)),

  /** No branches at all. */
  '8-5': (context) => results(context.parallel('empty', [])),

  '8-6': (context) => summary(context, 'failfast', 'sf.', tolerate(0), FULL),

  /** Fail fast; the batch result rethrows the first branch failure. */
  async '8-7'(context) {
    const result = await context.parallel('throwing', planned('fs'), { ...sequential, completionConfig: tolerate(0) });
    result.throwIfError();
    return result.getResults();
  },

  '8-8': (context) =>
    summary(context, 'min-successful', 'ssss', { minSuccessful: 2 }, ['completionReason', 'successCount', 'totalCount']),
  '8-9': (context) => summary(context, 'tolerated', 'sfs', tolerate(1), FULL),
  '8-10': (context) => summary(context, 'tolerated-exceeded', 'ffs', tolerate(1), COUNTS),

  /** Three branches, two at a time. */
  '8-11': (context) => results(context.parallel('concurrent', constants(['r0', 'r1', 'r2']), { maxConcurrency: 2 })),

  /** FLAT nesting: no branch contexts. */
  '8-12': (context) =>
    results(context.parallel('flat', withSteps(['fa', 'fb']), { ...sequential, nesting: 'FLAT' })),

  '8-13': (context) => summary(context, 'tolerated-pct', 'ffss', { toleratedFailurePercentage: 25 }, COUNTS),

  /** Branch 0 runs a step, branch 1 waits 2 s (the invocation suspends) and returns. */
  '8-14': (context) =>
    results(
      context.parallel(
        'replay',
        [
          (branch) => branch.step('b0', async () => 'b0'),
          async (branch) => {
            await branch.wait({ seconds: 2 });
            return 'b1';
          },
        ],
        sequential,
      ),
    ),

  /** Branches "x" and "y" through the wrapping item serdes. */
  '8-15': (context) =>
    results(context.parallel('serde', constants(['x', 'y']), { ...sequential, itemSerdes: wrapped })),

  '8-16': (context) => summary(context, 'all-fail', 'fff', tolerate(3), FULL),
  '8-17': (context) => summary(context, 'min-not-reached', 'sfs', { minSuccessful: 3 }, FULL),
  '8-18': (context) =>
    summary(context, 'combined', 'ffss', { minSuccessful: 3, toleratedFailureCount: 1 }, COUNTS),

  /** Max concurrency 0 is rejected before anything runs (not caught). */
  '8-19': (context) => results(context.parallel('bad-concurrency', constants(['a', 'b']), { maxConcurrency: 0 })),

  /** The accessors succeeded(), failed(), getErrors() and hasFailure. */
  async '8-20'(context) {
    const result = await context.parallel('accessors', planned('sfs'), { ...sequential, completionConfig: tolerate(1) });
    return {
      hasFailure: result.hasFailure,
      successCount: result.succeeded().length,
      failureCount: result.failed().length,
      errorCount: result.getErrors().length,
    };
  },

  /** The single outer branch runs an inner parallel of two steps. */
  '8-21': (context) =>
    results(
      context.parallel(
        'outer',
        [(branch) => results(branch.parallel('inner', [
          (b) => b.step('inner', async () => 'i1'),
          (b) => b.step('inner', async () => 'i2'),
        ], sequential))],
        sequential,
      ),
    ),

  '8-22': (context) => summary(context, 'pct-boundary', 'fsss', { toleratedFailurePercentage: 25 }, FULL),
};
