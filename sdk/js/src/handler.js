// The exported `durabox:durable/handler` interface.

import { handlerStarted } from 'durabox:durable/types@0.1.0';

import { DurableContext, Scope } from './context.js';
import { toErrorObject } from './errors.js';

/**
 * Wraps `async (event, context) => result` as the component's handler export:
 *
 * ```js
 * export const handler = withDurableExecution(async (event, context) => { ... });
 * ```
 *
 * `event` is the execution input parsed as JSON (blank = `{}`). The returned value
 * (JSON-serialized; `undefined` as `null`) succeeds the execution, a thrown error fails
 * it with its ErrorObject, and a suspension, even one that user code caught, ends
 * the invocation as PENDING.
 */
export function withDurableExecution(fn) {
  if (typeof fn !== 'function') throw new TypeError('withDurableExecution needs a handler function');
  return {
    async handle(raw, input) {
      handlerStarted(); // reads before this were the runtime's start-up, not handler code
      const scope = new Scope();
      const context = new DurableContext(raw, scope);
      try {
        const event = input.trim() === '' ? {} : JSON.parse(input);
        const value = await fn(event, context);
        await context._idle();
        if (scope.suspended) return { tag: 'pending' };
        const json = JSON.stringify(value === undefined ? null : value);
        return { tag: 'succeeded', val: json };
      } catch (e) {
        if (scope.suspended) return { tag: 'pending' };
        return { tag: 'failed', val: toErrorObject(e) };
      }
    },
  };
}
