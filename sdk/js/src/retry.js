// AWS `withRetry`: retries a block of durable operations (not a single step) with durable
// waits between attempts.

import { SuspendExecution } from './errors.js';

/**
 * `withRetry(context, name?, func, { retryStrategy, wrapWithRunInChildContext = true,
 * childContextConfig })`: calls `func(ctx, attempt)` (attempt 1-based); when it throws,
 * asks `retryStrategy(error, attempt)` (`{ shouldRetry, delay }`, e.g. a
 * `createRetryStrategy` result) and, to retry, waits `delay` (default 1 s) durably
 * (`"<name>-backoff-<attempt>"` when named) and calls it again. By default the loop runs
 * in a child context named `name` (with `childContextConfig`), so its result is
 * checkpointed; `func` must reach its outcome through durable operations so that replay
 * takes the same path.
 */
export async function withRetry(context, ...args) {
  const named = typeof args[0] === 'string';
  const name = named ? args[0] : undefined;
  const [func, config] = named ? args.slice(1) : args;
  if (typeof func !== 'function') throw new TypeError('withRetry needs a function');
  if (!config) throw new TypeError('withRetry: config is required');
  const { retryStrategy, wrapWithRunInChildContext = true, childContextConfig } = config;
  if (typeof retryStrategy !== 'function') throw new TypeError('withRetry: config.retryStrategy must be a function');
  const loop = async (ctx) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await func(ctx, attempt);
      } catch (error) {
        if (error instanceof SuspendExecution) throw error;
        const decision = retryStrategy(error, attempt);
        if (!decision?.shouldRetry) throw error;
        const delay = decision.delay ?? { seconds: 1 };
        if (name) await ctx.wait(`${name}-backoff-${attempt}`, delay);
        else await ctx.wait(delay);
      }
    }
  };
  if (!wrapWithRunInChildContext) return loop(context);
  return name
    ? context.runInChildContext(name, loop, childContextConfig)
    : context.runInChildContext(loop, childContextConfig);
}
