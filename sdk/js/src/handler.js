// The exported `durabox:durable/handler` interface.

import { declareSdk, handlerStarted, invocationEnvelope } from 'durabox:durable/types@0.1.0';

import { withActive } from './active.js';
import { DurableContext, Scope, Shared } from './context.js';
import { SuspendExecution, toErrorObject } from './errors.js';
import { idle, never } from './flush.js';
import { emit, pluginList } from './plugin.js';

/** Whether no operation but the execution itself was recorded before this invocation. */
function isFirstInvocation() {
  try {
    const operations = JSON.parse(invocationEnvelope())?.InitialExecutionState?.Operations ?? [];
    return operations.every((op) => op.Type === 'EXECUTION');
  } catch {
    return true;
  }
}

/**
 * Wraps `async (event, context) => result` as the component's handler export:
 *
 * ```js
 * export const handler = withDurableExecution(async (event, context) => { ... });
 * ```
 *
 * `event` is the execution input parsed as JSON (blank = `{}`). The returned value
 * (JSON-serialized; `undefined` as no result) succeeds the execution, a thrown error fails
 * it with its ErrorObject. An operation that must wait beyond this invocation never
 * settles: once nothing else can progress the invocation ends PENDING (as AWS's SDK).
 *
 * `config.plugins`: plugin objects whose hooks observe every invocation (all optional,
 * may be async, called in registration order; what they throw is ignored):
 * `onInvocationStart({ executionArn, isFirstInvocation })` before the handler runs,
 * `onInvocationEnd({ executionArn, status: 'SUCCEEDED' | 'FAILED' | 'PENDING' })` once the
 * invocation's outcome is known, and for steps `onOperationStart({ id, name, type })`
 * the first time an invocation runs the step (new, or retried), `onOperationEnd({ id, name, type, status })` when it
 * is over (SUCCEEDED or FAILED; a scheduled retry is not), `onAttemptStart({ id, name,
 * type, attempt })` and `onAttemptEnd({ id, name, type, attempt, outcome })` around each
 * attempt's function. `type` is `'STEP'`.
 */
export function withDurableExecution(fn, config = {}) {
  if (typeof fn !== 'function') throw new TypeError('withDurableExecution needs a handler function');
  const plugins = pluginList(config.plugins);
  return {
    async handle(raw, input) {
      declareSdk('javascript'); // operation ids as @aws/durable-execution-sdk-js derives them
      handlerStarted(); // reads before this were the runtime's start-up, not handler code
      const scope = new Scope();
      const context = new DurableContext(raw, scope, new Shared(plugins));
      const executionArn = plugins.length ? raw.executionArn() : undefined;
      if (plugins.length) await emit(plugins, 'onInvocationStart', { executionArn, isFirstInvocation: isFirstInvocation() });
      const output = await run(fn, context, scope, input);
      if (plugins.length) await emit(plugins, 'onInvocationEnd', { executionArn, status: STATUS[output.tag] });
      return output;
    },
  };
}

const STATUS = { succeeded: 'SUCCEEDED', failed: 'FAILED', pending: 'PENDING' };

async function run(fn, context, scope, input) {
  let handler;
  try {
    const event = input.trim() === '' ? {} : JSON.parse(input);
    handler = Promise.resolve(withActive('root', () => fn(event, context)));
  } catch (e) {
    handler = Promise.reject(e);
  }
  // As AWS's SDK: the handler's outcome once it settles (operations it left running are
  // abandoned), or PENDING once it cannot progress because an operation waits for
  // something outside this invocation.
  const outcome = await Promise.race([
    handler.then(
      (value) => ({ value }),
      (error) => ({ error }),
    ),
    stuck(scope),
    // A fault (AWS's context-usage check) fails the invocation whatever the handler does.
    context._shared.faulted.then((fault) => ({ fault })),
  ]);
  if (outcome.fault) return { tag: 'failed', val: toErrorObject(outcome.fault) };
  if (outcome.stuck) return { tag: 'pending' };
  if ('error' in outcome) {
    if (outcome.error instanceof SuspendExecution) return { tag: 'pending' };
    return { tag: 'failed', val: toErrorObject(outcome.error) };
  }
  // As AWS's SDK: `undefined` (and functions) serialize to nothing, recorded as no result.
  return { tag: 'succeeded', val: JSON.stringify(outcome.value) };
}

/** Resolves `{ stuck: true }` once nothing can progress while an operation is suspended. */
async function stuck(scope) {
  await idle();
  // Idle without a suspension: the handler awaits something that is not durable; let
  // the event loop decide (nothing else could settle it).
  if (!scope.suspended) return never();
  return { stuck: true };
}
