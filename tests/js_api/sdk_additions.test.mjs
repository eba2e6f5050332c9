// The JS SDK's AWS-API additions, run end to end: scenarios of the JS scenarios guest
// (tests/guests/js/scenarios/app.js) through `durabox run --json` (time is skipped). Each
// scenario waits at least once, so the results below also come out of a replay.
//
//   cargo build -p durabox && cargo xtask build-guests
//   node --test tests/js_api/
//
// DURABOX_BIN overrides the durabox binary (default target/debug/durabox).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const durabox = process.env.DURABOX_BIN ?? resolve(root, 'target/debug/durabox');
const scenarios = resolve(root, 'target/guests/js/scenarios.wasm');

function run(scenario) {
  let stdout;
  try {
    stdout = execFileSync(durabox, ['run', scenarios, '--input', JSON.stringify({ scenario }), '--json'], {
      encoding: 'utf8',
    });
  } catch (e) {
    stdout = e.stdout;
  }
  assert.ok(stdout, 'durabox run printed nothing');
  const { Execution, Events } = JSON.parse(stdout);
  assert.equal(Execution.Status, 'SUCCEEDED', Execution.Error ? JSON.stringify(Execution.Error) : undefined);
  assert.ok(Events.filter((e) => e.EventType === 'InvocationCompleted').length >= 2, 'expected a replay');
  return { result: JSON.parse(Execution.Result), Events };
}

const names = (events, type) => events.filter((e) => e.EventType === type).map((e) => e.Name);

test('context.promise combinators are checkpointed child contexts', () => {
  const { result, Events } = run('promise_combinators');
  assert.deepEqual(result, {
    all: [1, 2],
    settled: [
      { status: 'rejected', name: 'StepError', message: 'nope' },
      { status: 'fulfilled', value: 'ok' },
    ],
    race: 'first',
    any: 'good',
    // As AWS: a PromiseCombinatorError (its cause: the rebuilt StepError).
    failed: { combinator: true, type: 'PromiseCombinatorError', message: 'f1 failed' },
  });
  // race was unnamed
  assert.deepEqual(names(Events, 'ContextSucceeded').map((n) => n ?? null), ['all', 'settled', null, 'any']);
  assert.deepEqual(names(Events, 'ContextFailed'), ['failing']);
});

test('withRetry retries a block after a durable backoff wait', () => {
  const { result, Events } = run('with_retry');
  assert.deepEqual(result, { attempt: 2 });
  assert.deepEqual(names(Events, 'WaitStarted'), ['retried-backoff-1']);
  assert.deepEqual(names(Events, 'ContextSucceeded'), ['retried']);
});

test('class serdes, configureSerdes, errorMapper, linear retry, DurablePromise', () => {
  const { result } = run('api_extras');
  assert.deepEqual(result, {
    point: { isPoint: true, norm: 5 },
    shout: 'HELLO',
    // As AWS: errorMapper gets the child's rebuilt error (a StepError), not the ChildContextError.
    mapped: { name: 'Mapped', message: 'mapped: inner', wasChild: false },
    linear: 2,
    sub: 'x',
    arnOk: true,
    isDurablePromise: true,
    lazyStarted: false,
    lazy: 'lazy',
  });
});
