// Differential-test handlers: written against `@aws/durable-execution-sdk-js` only.
//
// The same source runs in two places:
//   * AWS's LocalDurableTestRunner (node, the real AWS SDK 2.4.0): each case is its own
//     `withDurableExecution` handler, `awsHandlers[case]`;
//   * durabox: `durabox build handlers.mjs` bundles this file (resolving the SDK import to
//     durabox's JS SDK) into one component whose `handler` dispatches on `event.case`.
//
// `bodies` holds the raw async handler bodies; the dispatcher calls the chosen body with
// the context it was given and adds no durable operation of its own, so the two runners
// record the same history for the same case (differential.test.mjs checks that the
// dispatcher and the per-case handler give identical histories in AWS's runner).
//
// Handlers must be deterministic outside steps (no clocks, no random numbers): both
// runners replay them.

import {
  StepSemantics,
  JitterStrategy,
  createRetryStrategy,
  createWaitStrategy,
  retryPresets,
  withDurableExecution,
} from '@aws/durable-execution-sdk-js';

/** A custom error class: recorded with its own ErrorType (`name`). */
export class OrderError extends Error {
  constructor(message) {
    super(message);
    this.name = 'OrderError';
  }
}

/** A custom error class carrying extra data. */
export class PaymentDeclined extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'PaymentDeclined';
    this.code = code;
  }
}

const noJitter = (config) => createRetryStrategy({ jitter: JitterStrategy.NONE, ...config });

/** Reports a caught error as plain data (both runners' error classes expose these). */
const describe = (error) => ({ name: error?.name ?? null, message: error?.message ?? null });

/** A BatchResult as plain data. */
const summary = (batch) => ({
  status: batch.status,
  completionReason: batch.completionReason,
  successCount: batch.successCount,
  failureCount: batch.failureCount,
  startedCount: batch.startedCount,
  totalCount: batch.totalCount,
  hasFailure: batch.hasFailure,
  all: batch.all.map((item) => ({
    index: item.index,
    status: item.status,
    result: item.result ?? null,
    error: item.error ? describe(item.error) : null,
  })),
});

export const bodies = {
  // ---- steps ---------------------------------------------------------------------------
  async steps_json_types(event, ctx) {
    const s = await ctx.step('string', async () => 'hello, wörld ✓');
    const i = await ctx.step('int', async () => 42);
    const f = await ctx.step('float', async () => -3.25);
    const b = await ctx.step('bool', async () => true);
    const n = await ctx.step('null', async () => null);
    const a = await ctx.step('array', async () => [1, 'two', false, null, [3]]);
    const o = await ctx.step('object', async () => ({ a: 1, nested: { b: [1, 2], c: 'x' }, e: {} }));
    const empty = await ctx.step('empty string', async () => '');
    return { s, i, f, b, n, a, o, empty, input: event.value };
  },

  async step_undefined(event, ctx) {
    const u = await ctx.step('nothing', async () => undefined);
    await ctx.step('also nothing', async () => {});
    return u === undefined ? undefined : 'defined';
  },

  async steps_unnamed(event, ctx) {
    const one = await ctx.step(async () => 1);
    const two = await ctx.step(undefined, async () => 2);
    const three = await ctx.step('named', async () => 3);
    const four = await ctx.step(async () => 4);
    return [one, two, three, four];
  },

  async step_retry_succeeds(event, ctx) {
    return ctx.step(
      'flaky',
      async (stepCtx) => {
        if (stepCtx.attempt < 3) throw new Error(`attempt ${stepCtx.attempt} failed`);
        return { attempt: stepCtx.attempt };
      },
      { retryStrategy: noJitter({ maxAttempts: 4, initialDelay: { seconds: 2 }, backoffRate: 2 }) },
    );
  },

  async step_retry_exhausted(event, ctx) {
    await ctx.step('before', async () => 'ok');
    return ctx.step(
      'always fails',
      async () => {
        throw new Error('boom');
      },
      { retryStrategy: noJitter({ maxAttempts: 2, initialDelay: { seconds: 1 } }) },
    );
  },

  async step_retry_caught(event, ctx) {
    try {
      await ctx.step(
        'always fails',
        async (stepCtx) => {
          throw new OrderError(`order rejected on attempt ${stepCtx.attempt}`);
        },
        {
          retryStrategy: noJitter({ maxAttempts: 3, initialDelay: { seconds: 1 }, maxDelay: { seconds: 2 }, backoffRate: 3 }),
        },
      );
      return 'unreachable';
    } catch (error) {
      return describe(error);
    }
  },

  async step_retry_linear_preset(event, ctx) {
    return ctx.step(
      'linear',
      async (stepCtx) => {
        if (stepCtx.attempt <= 2) throw new Error('not yet');
        return stepCtx.attempt;
      },
      { retryStrategy: retryPresets.linear },
    );
  },

  async step_no_retry_preset(event, ctx) {
    try {
      await ctx.step(
        'declined',
        async () => {
          throw new PaymentDeclined('card declined', 'E42');
        },
        { retryStrategy: retryPresets.noRetry },
      );
    } catch (error) {
      return describe(error);
    }
    return 'unreachable';
  },

  async step_retryable_errors(event, ctx) {
    const results = [];
    for (const message of ['transient glitch', 'permanent failure']) {
      try {
        await ctx.step(
          message,
          async () => {
            throw new Error(message);
          },
          { retryStrategy: noJitter({ maxAttempts: 2, initialDelay: { seconds: 1 }, retryableErrors: [/transient/] }) },
        );
      } catch (error) {
        results.push(describe(error));
      }
    }
    return results;
  },

  async step_custom_retry_fn(event, ctx) {
    return ctx.step(
      'custom',
      async (stepCtx) => {
        if (stepCtx.attempt < 3) throw new TypeError(`bad type ${stepCtx.attempt}`);
        return 'third time lucky';
      },
      { retryStrategy: (error, attempts) => ({ shouldRetry: attempts < 5, delay: { seconds: attempts * 3 } }) },
    );
  },

  async step_at_most_once(event, ctx) {
    const a = await ctx.step('at most once', async () => 'once', {
      semantics: StepSemantics.AtMostOncePerRetry,
    });
    const b = await ctx.step('at least once', async () => 'least', {
      semantics: StepSemantics.AtLeastOncePerRetry,
    });
    return [a, b];
  },

  async step_custom_error_uncaught(event, ctx) {
    await ctx.step(
      'validate',
      async () => {
        throw new OrderError('order o-1 is invalid');
      },
      { retryStrategy: retryPresets.noRetry },
    );
    return 'unreachable';
  },

  async handler_throws(event, ctx) {
    await ctx.step('fine', async () => 1);
    throw new PaymentDeclined('declined outside a step', 'E7');
  },

  // ---- waits -----------------------------------------------------------------------------
  async wait_basic(event, ctx) {
    await ctx.wait({ seconds: 5 });
    await ctx.wait('named wait', { minutes: 1, seconds: 30 });
    await ctx.wait({ hours: 2 });
    return 'waited';
  },

  async wait_between_steps(event, ctx) {
    const a = await ctx.step('first', async () => 'a');
    await ctx.wait('pause', { seconds: 10 });
    const b = await ctx.step('second', async () => 'b');
    return a + b;
  },

  // ---- child contexts --------------------------------------------------------------------
  async child_nested(event, ctx) {
    const outer = await ctx.runInChildContext('outer', async (c1) => {
      const x = await c1.step('outer step', async () => 1);
      const inner = await c1.runInChildContext('inner', async (c2) => {
        const y = await c2.step('inner step', async () => 2);
        await c2.wait('inner wait', { seconds: 3 });
        const deepest = await c2.runInChildContext(async (c3) => c3.step('deepest step', async () => 3));
        return y + deepest;
      });
      return { x, inner };
    });
    const unnamed = await ctx.runInChildContext(async (c) => c.step(async () => 'u'));
    return { outer, unnamed };
  },

  async child_failing_caught(event, ctx) {
    try {
      await ctx.runInChildContext('fails', async (c) => {
        await c.step('inside', async () => 'ok');
        throw new OrderError('child gave up');
      });
      return 'unreachable';
    } catch (error) {
      const after = await ctx.step('after', async () => 'recovered');
      return { error: describe(error), after };
    }
  },

  async child_failing_uncaught(event, ctx) {
    await ctx.runInChildContext('fails', async (c) => {
      await c.step(
        'failing step',
        async () => {
          throw new Error('step inside child failed');
        },
        { retryStrategy: retryPresets.noRetry },
      );
    });
    return 'unreachable';
  },

  // ---- wait for condition ----------------------------------------------------------------
  async wait_for_condition(event, ctx) {
    return ctx.waitForCondition(
      'poll',
      async (state) => ({ count: state.count + 1 }),
      {
        initialState: { count: 0 },
        waitStrategy: (state, attempt) =>
          state.count >= 3 ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: attempt * 2 } },
      },
    );
  },

  async wait_for_condition_strategy(event, ctx) {
    return ctx.waitForCondition(
      async (state, checkCtx) => ({ n: state.n * 2, attempt: checkCtx.attempt }),
      {
        initialState: { n: 1, attempt: 0 },
        waitStrategy: createWaitStrategy({
          maxAttempts: 10,
          initialDelay: { seconds: 5 },
          backoffRate: 2,
          maxDelay: { seconds: 30 },
          jitter: JitterStrategy.NONE,
          shouldContinuePolling: (state) => state.n < 16,
        }),
      },
    );
  },

  // ---- callbacks (the test answers them through each runner's callback API) --------------
  async callback_succeeds(event, ctx) {
    const [promise, callbackId] = await ctx.createCallback('approval', { timeout: { hours: 1 } });
    await ctx.step('send request', async () => typeof callbackId);
    const answer = await promise;
    return { answer };
  },

  async callback_fails(event, ctx) {
    const [promise] = await ctx.createCallback('approval');
    try {
      await promise;
      return 'unreachable';
    } catch (error) {
      return describe(error);
    }
  },

  async wait_for_callback(event, ctx) {
    const answer = await ctx.waitForCallback(
      'external',
      async (callbackId, submitCtx) => {
        submitCtx.logger.info('submitting', typeof callbackId);
      },
      { timeout: { minutes: 10 } },
    );
    const after = await ctx.step('after callback', async () => 'done');
    return { answer, after };
  },

  async wait_for_callback_fails(event, ctx) {
    await ctx.waitForCallback('external', async () => {});
    return 'unreachable';
  },

  // ---- map and parallel ------------------------------------------------------------------
  async map_basic(event, ctx) {
    const batch = await ctx.map(
      'double',
      [1, 2, 3, 4],
      async (c, item, index) => c.step(`item ${index}`, async () => item * 2),
      { maxConcurrency: 2 },
    );
    return { results: batch.getResults(), summary: summary(batch) };
  },

  async map_tolerated_failure(event, ctx) {
    const batch = await ctx.map(
      'check',
      ['a', 'bad', 'c', 'd'],
      async (c, item) =>
        c.step(
          `check ${item}`,
          async () => {
            if (item === 'bad') throw new OrderError(`item ${item} is bad`);
            return item.toUpperCase();
          },
          { retryStrategy: retryPresets.noRetry },
        ),
      { completionConfig: { toleratedFailureCount: 1 } },
    );
    return summary(batch);
  },

  async map_failure_exceeded(event, ctx) {
    const batch = await ctx.map(
      'strict',
      [1, 2, 3],
      async (c, item) =>
        c.step(
          async () => {
            if (item !== 2) throw new Error(`odd ${item}`);
            return item;
          },
          { retryStrategy: retryPresets.noRetry },
        ),
      { maxConcurrency: 1, completionConfig: { toleratedFailureCount: 0 } },
    );
    return summary(batch);
  },

  async map_min_successful(event, ctx) {
    const batch = await ctx.map(
      'first two',
      [10, 20, 30, 40, 50],
      async (c, item) => c.step(async () => item + 1),
      { maxConcurrency: 1, completionConfig: { minSuccessful: 2 } },
    );
    return summary(batch);
  },

  async map_with_waits(event, ctx) {
    const batch = await ctx.map(
      'slow items',
      ['x', 'y'],
      async (c, item, index) => {
        await c.wait({ seconds: index + 1 });
        return c.step(`after wait ${item}`, async () => `${item}!`);
      },
      { itemNamer: (item, index) => `slow-${item}-${index}` },
    );
    return batch.getResults();
  },

  async parallel_basic(event, ctx) {
    const batch = await ctx.parallel('fan out', [
      { name: 'left', func: async (c) => c.step('left step', async () => 'L') },
      { name: 'right', func: async (c) => {
        await c.wait({ seconds: 2 });
        return c.step('right step', async () => 'R');
      } },
      async (c) => c.runInChildContext('nested', async (cc) => cc.step(async () => 'N')),
    ]);
    return { results: batch.getResults(), summary: summary(batch) };
  },

  async parallel_failure_throw(event, ctx) {
    const batch = await ctx.parallel(
      'risky',
      [
        async (c) => c.step('ok branch', async () => 1),
        async (c) =>
          c.step(
            'bad branch',
            async () => {
              throw new OrderError('branch failed');
            },
            { retryStrategy: retryPresets.noRetry },
          ),
        async (c) => c.step('another ok', async () => 3),
      ],
      { maxConcurrency: 1, completionConfig: { toleratedFailurePercentage: 50 } },
    );
    const s = summary(batch);
    batch.throwIfError();
    return s;
  },

  async parallel_min_successful(event, ctx) {
    const batch = await ctx.parallel(
      [
        async (c) => c.step(async () => 'a'),
        async (c) => c.step(async () => 'b'),
        async (c) => c.step(async () => 'c'),
      ],
      { maxConcurrency: 2, completionConfig: { minSuccessful: 1 } },
    );
    return summary(batch);
  },

  // ---- promise combinators ---------------------------------------------------------------
  async promise_all(event, ctx) {
    const values = await ctx.promise.all('together', [
      ctx.step('p1', async () => 1),
      ctx.step('p2', async () => 'two'),
      ctx.step('p3', async () => ({ three: 3 })),
    ]);
    return values;
  },

  async promise_any_race(event, ctx) {
    const any = await ctx.promise.any('any', [
      ctx.step(
        'any fails',
        async () => {
          throw new Error('nope');
        },
        { retryStrategy: retryPresets.noRetry },
      ),
      ctx.step('any ok', async () => 'any value'),
    ]);
    const race = await ctx.promise.race([ctx.step('race a', async () => 'A'), ctx.step('race b', async () => 'B')]);
    return { any, race };
  },

  async promise_all_settled(event, ctx) {
    const settled = await ctx.promise.allSettled('settled', [
      ctx.step('good', async () => 'fine'),
      ctx.step(
        'bad',
        async () => {
          throw new OrderError('bad apple');
        },
        { retryStrategy: retryPresets.noRetry },
      ),
    ]);
    return settled.map((s) => (s.status === 'fulfilled' ? s : { status: s.status, reason: describe(s.reason) }));
  },

  // Two steps under the plain Promise.all: the order their bodies ran in.
  async steps_in_promise_all(event, ctx) {
    const order = [];
    const [a, b] = await Promise.all([
      ctx.step('a', async () => {
        order.push('a start');
        await null;
        order.push('a end');
        return 'A';
      }),
      ctx.step('b', async () => {
        order.push('b start');
        return 'B';
      }),
    ]);
    return { a, b, order: await ctx.step('order', async () => order) };
  },

  // A parallel failing fast (default completion) while another branch waits.
  async parallel_fail_fast_with_wait(event, ctx) {
    const batch = await ctx.parallel('branches', [
      { name: 'fast', func: (b) => b.step('now', async () => 'fast') },
      {
        name: 'slow',
        func: async (b) => {
          await b.wait({ seconds: 5 });
          return 'slow';
        },
      },
      {
        name: 'failing',
        func: async (b) =>
          b.step(
            'boom',
            async () => {
              throw new OrderError('boom');
            },
            { retryStrategy: retryPresets.noRetry },
          ),
      },
    ]);
    return summary(batch);
  },

  // try/catch around a wait: the suspension is not an error the handler sees.
  async caught_wait(event, ctx) {
    await ctx.step('start', async () => 'started');
    let caught = 'nothing';
    try {
      await ctx.wait('nap', { seconds: 2 });
    } catch (e) {
      caught = e.name;
    }
    const after = await ctx.step('after', async () => 'ran');
    return { caught, after };
  },

  // A durable wait started but never awaited: the handler's return ends the execution.
  async unawaited_wait(event, ctx) {
    ctx.wait('later', { seconds: 5 });
    return 'done';
  },

  // A retrying step in one branch while the other branch runs.
  async retry_in_branch(event, ctx) {
    const batch = await ctx.parallel('branches', [
      {
        name: 'flaky',
        func: (b) =>
          b.step(
            'flaky step',
            async (step) => {
              if (step.attempt < 2) throw new OrderError(`attempt ${step.attempt} failed`);
              return `ok on attempt ${step.attempt}`;
            },
            { retryStrategy: (error, attempt) => ({ shouldRetry: attempt < 3, delay: { seconds: 1 } }) },
          ),
      },
      { name: 'steady', func: (b) => b.step('steady step', async () => 'steady') },
    ]);
    return summary(batch);
  },

  // The parent context used inside a child context's function (a handler bug).
  async child_uses_parent(event, ctx) {
    return ctx.runInChildContext('child', async () => ctx.step('wrong context', async () => 1));
  },

  // The context used inside a step's function (a handler bug).
  async step_uses_context(event, ctx) {
    return ctx.step('outer', async () => ctx.step('inner', async () => 1));
  },

  async promise_all_rejects(event, ctx) {
    try {
      await ctx.promise.all([
        ctx.step('fine', async () => 1),
        ctx.step(
          'broken',
          async () => {
            throw new Error('all rejects');
          },
          { retryStrategy: retryPresets.noRetry },
        ),
      ]);
      return 'unreachable';
    } catch (error) {
      return describe(error);
    }
  },

  // ---- chained invoke (the same function, registered as "diff", with another case) -------
  async invoke_success(event, ctx) {
    const result = await ctx.invoke('call target', 'diff', { case: 'invoke_target', n: 21 });
    return { result };
  },

  async invoke_failure(event, ctx) {
    try {
      await ctx.invoke('call failing target', 'diff', { case: 'invoke_target_fails' });
      return 'unreachable';
    } catch (error) {
      return describe(error);
    }
  },

  async invoke_target(event, ctx) {
    const doubled = await ctx.step('double', async () => (event.n ?? 1) * 2);
    return { doubled };
  },

  async invoke_target_fails(event, ctx) {
    await ctx.step('target step', async () => 'ok');
    throw new OrderError('target failed');
  },

  // ---- logging (no history of its own) ---------------------------------------------------
  async logging(event, ctx) {
    ctx.logger.info('starting', { case: event.case });
    const v = await ctx.step('logged step', async (stepCtx) => {
      stepCtx.logger.warn('inside step', stepCtx.attempt);
      return 'v';
    });
    ctx.logger.error('after step', v);
    await ctx.wait({ seconds: 1 });
    ctx.logger.debug('after wait');
    return v;
  },
};

/** One AWS handler per case (for AWS's LocalDurableTestRunner). */
export const awsHandlers = Object.fromEntries(
  Object.entries(bodies).map(([name, body]) => [name, withDurableExecution(body)]),
);

/** The one handler of the durabox component: dispatches on `event.case`, adds no operation. */
export const handler = withDurableExecution(async (event, ctx) => {
  const body = bodies[event?.case];
  if (!body) throw new Error(`unknown case ${JSON.stringify(event?.case)}`);
  return body(event, ctx);
});
