// AWS's side of the differential tests: runs cases of handlers.mjs in AWS's
// LocalDurableTestRunner (@aws/durable-execution-sdk-js-testing, skipTime) with the real
// @aws/durable-execution-sdk-js, and prints one JSON object
//   {"<case>": {status, result, error, events, dispatcherEvents?}, ...}
// to the file OUT (stdout carries the handlers' log lines). Its own process, because setupTestEnvironment({ skipTime: true }) installs
// fake timers for the whole process.
//
//   node aws-runner.mjs --out OUT.json [--dispatcher] [CASE...]   (all cases without names)
//
// --dispatcher also runs each case through the one `handler` (the dispatcher durabox gets)
// and records its history as `dispatcherEvents`, to check that the dispatcher adds nothing.

import { writeFileSync } from 'node:fs';

import { LocalDurableTestRunner, WaitingOperationStatus } from '@aws/durable-execution-sdk-js-testing';

import { awsHandlers, handler as dispatcher } from './handlers.mjs';
import { CASES, FUNCTION, inputOf } from './lib.mjs';

/**
 * Wraps a handler to know when an invocation is in flight: a callback is answered only
 * once the invocation that started it has returned (PENDING), as on durabox (and as the
 * service sees a callback answered by another system later).
 */
function tracked(handlerFunction) {
  const state = { inFlight: 0, waiters: [] };
  const wrapped = async (event, context) => {
    state.inFlight++;
    try {
      return await handlerFunction(event, context);
    } finally {
      state.inFlight--;
      const waiters = state.waiters.splice(0);
      for (const w of waiters) w();
    }
  };
  const idle = async () => {
    while (state.inFlight > 0) await new Promise((r) => state.waiters.push(r));
  };
  return { wrapped, idle };
}

async function runCase(name, useDispatcher) {
  const { wrapped, idle } = tracked(useDispatcher ? dispatcher : awsHandlers[name]);
  const runner = new LocalDurableTestRunner({ handlerFunction: wrapped });
  runner.registerDurableFunction(FUNCTION, dispatcher);
  const running = runner.run({ payload: inputOf(name) });
  let failedEarly;
  running.catch((e) => (failedEarly = e));
  for (const { op, waitForCallback, answer } of CASES[name].callbacks ?? []) {
    const operation = runner.getOperation(op);
    await operation.waitForData(waitForCallback ? WaitingOperationStatus.SUBMITTED : WaitingOperationStatus.STARTED);
    await idle();
    if (failedEarly) break;
    if ('success' in answer) await operation.sendCallbackSuccess(JSON.stringify(answer.success));
    else await operation.sendCallbackFailure(answer.failure);
  }
  const execution = await running;
  const status = execution.getStatus();
  const error = status === 'SUCCEEDED' ? null : execution.getError();
  return {
    status,
    result: status === 'SUCCEEDED' ? (execution.getResult() ?? null) : null,
    error:
      error && (error.errorType || error.errorMessage)
        ? { type: error.errorType ?? null, message: error.errorMessage ?? null }
        : null,
    events: JSON.parse(JSON.stringify(execution.getHistoryEvents())),
  };
}

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
if (outIndex < 0 || !args[outIndex + 1]) throw new Error('usage: aws-runner.mjs --out OUT.json [--dispatcher] [CASE...]');
const outFile = args.splice(outIndex, 2)[1];
const withDispatcher = args.includes('--dispatcher');
const names = args.filter((a) => !a.startsWith('--'));
const selected = names.length ? names : Object.keys(CASES);

await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
const out = {};
for (const name of selected) {
  if (!CASES[name]) throw new Error(`unknown case ${name}`);
  try {
    out[name] = await runCase(name, false);
    if (withDispatcher) out[name].dispatcherEvents = (await runCase(name, true)).events;
  } catch (error) {
    out[name] = { runnerError: String(error?.stack ?? error) };
  }
}
await LocalDurableTestRunner.teardownTestEnvironment();
writeFileSync(outFile, `${JSON.stringify(out)}\n`);
process.exit(0);
