// One JS component for the integration tests (tests/integration/js.rs): the input
// `{"scenario": "<name>", ...}` selects what the handler does. Each scenario documents
// what the tests should observe.

import {
  CallbackError,
  ChildContextError,
  DurablePromise,
  OperationSubType,
  PromiseCombinatorError,
  StepError,
  createClassSerdes,
  createLinearRetryStrategy,
  withRetry,
  StepSemantics,
  createRetryStrategy,
  createWaitStrategy,
  retryPresets,
  withDurableExecution,
} from '../../../../sdk/js/src/index.js';

class MyError extends Error {}

class Transient extends Error {
  constructor(message) {
    super(message);
    this.name = 'Transient';
  }
}

const noRetry = { retryStrategy: retryPresets.none };

const scenarios = {
  /** Three steps, each using the previous result. Returns "result=22". */
  async steps(context) {
    const a = await context.step('first', async () => 1);
    const b = await context.step('second', async () => a + 10);
    return await context.step('third', () => `result=${b * 2}`);
  },

  /**
   * A custom retryStrategy function: attempts 1 and 2 fail (ErrorType Transient) and are
   * retried after 3 × attempt seconds (3 s, 6 s); attempt 3 succeeds. The function logs
   * what it saw. Returns {attempt: 3}.
   */
  async retry_then_succeed(context) {
    const attempt = await context.step(
      'flaky',
      async (step) => {
        if (step.attempt < 3) throw new Transient(`attempt ${step.attempt} failed`);
        return step.attempt;
      },
      {
        retryStrategy: (error, attempt) => {
          context.logger.info(`retry strategy saw ${error.name} "${error.message}" on attempt ${attempt}`);
          return { shouldRetry: attempt < 5, delay: { seconds: 3 * attempt } };
        },
      },
    );
    return { attempt };
  },

  /** 3 attempts (1 s, then 2 s apart) all fail with MyError: boom; the execution fails. */
  async retry_exhausted(context) {
    const strategy = createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 1 }, jitter: 'NONE' });
    await context.step(
      'always-fails',
      async () => {
        throw new MyError('boom');
      },
      { retryStrategy: strategy },
    );
    return 'unreachable';
  },

  /** A step without retries fails; the handler catches it. Returns {caught, type, cause, isStepError}. */
  async caught_step_error(context) {
    try {
      await context.step(
        'fails',
        async () => {
          throw new MyError('step went wrong');
        },
        noRetry,
      );
      return 'unreachable';
    } catch (e) {
      return { caught: e.message, type: e.errorType, cause: e.cause?.name, isStepError: e instanceof StepError };
    }
  },

  /**
   * try/catch around a wait, and the catch swallows everything: the suspension must
   * still end the first invocation as PENDING. As in AWS's SDK the pending wait's promise
   * never settles, so the catch never runs (nothing is logged). The second invocation
   * replays the wait and runs "after".
   * Returns {after: "ran"}.
   */
  async caught_wait(context) {
    await context.step('start', () => 'started');
    try {
      await context.wait('nap', { seconds: 2 });
    } catch (e) {
      context.logger.info(`caught ${e.name}`);
    }
    let after = 'not reached';
    try {
      after = await context.step('after', () => 'ran');
    } catch (e) {
      context.logger.info(`after: caught ${e.name}`);
    }
    return { after };
  },

  /** Waits `input.seconds` (default 2) with a duration object. Returns "done". */
  async wait(context, input) {
    await context.wait({ seconds: input.seconds ?? 2 });
    return 'done';
  },

  /** Nested child contexts with steps. Returns "a+b!". */
  async child(context) {
    return await context.runInChildContext('outer', async (outer) => {
      const a = await outer.step('outer-step', () => 'a');
      const b = await outer.runInChildContext('inner', async (inner) => {
        const b = await inner.step('inner-step', () => 'b');
        return `${b}!`;
      });
      return `${a}+${b}`;
    });
  },

  /** A child whose step fails without retry (ChildStepError); the execution fails. */
  async child_failure(context) {
    await context.runInChildContext('failing-child', async (child) => {
      await child.step(
        'fails',
        () => {
          const e = new Error('child step failed');
          e.name = 'ChildStepError';
          throw e;
        },
        noRetry,
      );
    });
    return 'unreachable';
  },

  /**
   * createCallback "approval" (timeouts from input.timeout / input.heartbeat). Logs the
   * id, returns {callback: result}; with input.catch a failure returns {error, cause, message}.
   */
  async callback(context, input) {
    const [promise, callbackId] = await context.createCallback('approval', {
      timeout: input.timeout ?? 0,
      heartbeatTimeout: input.heartbeat ?? 0,
    });
    context.logger.info(`callback id: ${callbackId}`);
    try {
      return { callback: await promise };
    } catch (e) {
      if (input.catch && e instanceof CallbackError) return { error: e.errorType, cause: e.cause?.name, message: e.message };
      throw e;
    }
  },

  /** waitForCallback "ask"; the submitter logs the id. Returns the callback result. */
  async wait_for_callback(context, input) {
    return await context.waitForCallback(
      'ask',
      async (callbackId, step) => {
        step.logger.info(`submitting callback id: ${callbackId}`);
      },
      { timeout: { seconds: input.timeout ?? 0 } },
    );
  },

  /**
   * Polls a counter that each check increments until it reaches input.target (default 3).
   * input.custom: a guest strategy of 1 s between checks; otherwise createWaitStrategy.
   * Returns the final count.
   */
  async condition(context, input) {
    const target = input.target ?? 3;
    const waitStrategy = input.custom
      ? (n) => (n >= target ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 1 } })
      : createWaitStrategy({ maxAttempts: input.max_attempts ?? 60, shouldContinuePolling: (n) => n < target });
    return await context.waitForCondition(
      'counter',
      async (n, check) => {
        check.logger.info(`check ${check.attempt} sees ${n}`);
        return n + 1;
      },
      { initialState: 0, waitStrategy },
    );
  },

  /** Invokes input.function with input.payload; input.catch returns {failed: ErrorType}. */
  async invoke(context, input) {
    try {
      return { result: await context.invoke('call', input.function ?? 'scenarios', input.payload) };
    } catch (e) {
      if (input.catch) return { failed: e.errorType, message: e.message };
      throw e;
    }
  },

  /**
   * Maps over input.items: each item doubles its value in a step, waits input.wait + item
   * seconds if set, and fails (no retry) when in input.fail. Returns the batch as JSON.
   */
  async map(context, input) {
    const fail = input.fail ?? [];
    const result = await context.map(
      'numbers',
      input.items ?? [],
      async (branch, item) => {
        if (input.wait !== undefined) await branch.wait({ seconds: input.wait + item });
        return await branch.step(
          'double',
          () => {
            if (fail.includes(item)) throw new ItemError(`item ${item} failed`);
            return item * 2;
          },
          noRetry,
        );
      },
      {
        maxConcurrency: input.max_concurrency,
        completionConfig: completion(input.completion),
        itemNamer: (item) => `item-${item}`,
        nesting: input.flat ? 'FLAT' : 'NESTED',
      },
    );
    return batchJson(result);
  },

  /** Branches "fast", "slow" (waits input.wait, default 10 s) and "failing". */
  async parallel(context, input) {
    const result = await context.parallel(
      'branches',
      [
        { name: 'fast', func: (b) => b.step('now', () => 'fast') },
        {
          name: 'slow',
          func: async (b) => {
            await b.wait({ seconds: input.wait ?? 10 });
            return 'slow';
          },
        },
        {
          name: 'failing',
          func: async (b) => {
            if (input.no_failure) return 'fine';
            return await b.step(
              'boom',
              () => {
                throw new BranchError('boom');
              },
              noRetry,
            );
          },
        },
      ],
      input.completion ? { completionConfig: completion(input.completion) } : {},
    );
    return batchJson(result);
  },

  /** Step "charge" at most once per retry with the transient preset. Returns "charged". */
  async at_most_once(context) {
    return await context.step('charge', () => 'charged', {
      semantics: StepSemantics.AtMostOncePerRetry,
      retryStrategy: retryPresets.transient,
    });
  },

  /** Errors thrown by the handler: input.kind picks a class, a string or a plain object. */
  async throws(context, input) {
    await context.step('before', () => 'ok');
    if (input.kind === 'string') throw 'a plain string';
    if (input.kind === 'typeerror') null.boom();
    throw new MyError('handler failed');
  },

  /** A log line from the handler and from a step. Returns "logged". */
  async log(context) {
    context.logger.info('hello from the guest', { n: 1 });
    await context.step('logs', (step) => step.logger.warn('inside the step'));
    return 'logged';
  },

  /** A durable call inside a step body (a bug): what the user sees. */
  async step_in_step(context) {
    return await context.step('outer', async () => await context.step('inner', () => 1));
  },

  /** Two steps started together with Promise.all: their bodies interleave at awaits. */
  async concurrent_steps(context) {
    const order = [];
    const [a, b] = await Promise.all([
      context.step('a', async () => {
        order.push('a start');
        await null;
        order.push('a end');
        return 'A';
      }),
      context.step('b', async () => {
        order.push('b start');
        return 'B';
      }),
    ]);
    return { a, b, order: await context.step('order', () => order) };
  },

  /**
   * AWS `context.promise` combinators. `all` over two steps, `allSettled` over a step
   * that fails without retry and one that succeeds, `race` / `any`, and `all` with a
   * failing step caught as PromiseCombinatorError. Each combinator is one child context.
   * A final 1 s wait makes a second invocation replay everything.
   */
  async promise_combinators(context) {
    const all = await context.promise.all('all', [context.step('a', async () => 1), context.step('b', async () => 2)]);
    const settled = await context.promise.allSettled('settled', [
      context.step('bad', async () => {
        throw new MyError('nope');
      }, noRetry),
      context.step('good', async () => 'ok'),
    ]);
    const race = await context.promise.race([context.step('r1', async () => 'first'), context.step('r2', async () => 'second')]);
    const any = await context.promise.any('any', [
      context.step('any-bad', async () => {
        throw new MyError('no');
      }, noRetry),
      context.step('any-good', async () => 'good'),
    ]);
    let failed;
    try {
      await context.promise.all('failing', [
        context.step('f1', async () => {
          throw new MyError('f1 failed');
        }, noRetry),
      ]);
    } catch (e) {
      failed = { combinator: e instanceof PromiseCombinatorError, type: e.errorType, message: e.message };
    }
    await context.wait('then replay', 1); // the second invocation replays all of the above
    return {
      all,
      settled: settled.map((r) => (r.status === 'fulfilled' ? r : { status: r.status, name: r.reason.name, message: r.reason.message })),
      race,
      any,
      failed,
    };
  },

  /**
   * AWS `withRetry`: a child context "retried" whose attempt 1 fails (a step that fails
   * without retry), a durable wait "retried-backoff-1" of 2 s, then attempt 2 succeeds.
   * Returns {attempt: 2}.
   */
  async with_retry(context) {
    return await withRetry(
      context,
      'retried',
      async (ctx, attempt) => {
        await ctx.step(`attempt ${attempt}`, async () => {
          if (attempt < 2) throw new MyError(`attempt ${attempt} failed`);
        }, noRetry);
        return { attempt };
      },
      { retryStrategy: (error, attempt) => ({ shouldRetry: attempt < 3, delay: { seconds: 2 } }) },
    );
  },

  /**
   * `createClassSerdes`, `configureSerdes({ defaultSerdes })`, `errorMapper`,
   * `createLinearRetryStrategy`, `executionContext`, `OperationSubType`, DurablePromise.
   */
  async api_extras(context) {
    const point = await context.step('point', async () => ({ x: 3, y: 4 }), { serdes: createClassSerdes(Point) });
    const upper = {
      serialize: (v) => JSON.stringify(typeof v === 'string' ? v.toUpperCase() : v),
      deserialize: (p) => (p === undefined ? undefined : JSON.parse(p)),
    };
    context.configureSerdes({ defaultSerdes: upper });
    const shout = await context.step('shout', async () => 'hello');
    context.configureSerdes({ defaultSerdes: { serialize: JSON.stringify, deserialize: (p) => (p === undefined ? undefined : JSON.parse(p)) } });
    let mapped;
    try {
      await context.runInChildContext(
        'mapped',
        async () => {
          throw new MyError('inner');
        },
        { errorMapper: (e) => Object.assign(new Error(`mapped: ${e.message}`), { name: 'Mapped', wasChild: e instanceof ChildContextError }) },
      );
    } catch (e) {
      mapped = { name: e.name, message: e.message, wasChild: e.wasChild };
    }
    const linear = await context.step(
      'linear',
      async (step) => {
        if (step.attempt < 2) throw new MyError('once');
        return step.attempt;
      },
      { retryStrategy: createLinearRetryStrategy({ maxAttempts: 3, initialDelay: 1, increment: 1, jitter: 'NONE' }) },
    );
    const sub = await context.runInChildContext('sub', async () => 'x', { subType: OperationSubType.RUN_IN_CHILD_CONTEXT });
    const lazy = new DurablePromise(async () => 'lazy');
    return {
      point: { isPoint: point instanceof Point, norm: point.norm() },
      shout,
      mapped,
      linear,
      sub,
      arnOk: context.executionContext.durableExecutionArn === context.executionArn,
      isDurablePromise: context.wait(1) instanceof DurablePromise,
      lazyStarted: lazy.isExecuted,
      lazy: await lazy,
    };
  },
};

class Point {
  norm() {
    return Math.hypot(this.x, this.y);
  }
}

class ItemError extends Error {}
class BranchError extends Error {}

function completion(name) {
  switch (name) {
    case 'all_completed':
      return { toleratedFailurePercentage: 100 };
    case 'first_successful':
      return { minSuccessful: 1 };
    case 'tolerate_one':
      return { toleratedFailureCount: 1 };
    default:
      return undefined;
  }
}

function batchJson(result) {
  return {
    reason: result.completionReason,
    items: result.all.map((i) => ({
      index: i.index,
      status: i.status,
      result: i.result ?? null,
      error: i.error?.errorType ?? null,
    })),
    results: result.getResults(),
  };
}

export const handler = withDurableExecution(async (input, context) => {
  const scenario = scenarios[input.scenario];
  if (!scenario) {
    const e = new Error(`unknown scenario ${JSON.stringify(input.scenario)}`);
    e.name = 'UnknownScenario';
    throw e;
  }
  return await scenario(context, input);
});
