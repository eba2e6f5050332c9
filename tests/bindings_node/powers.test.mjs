// durabox's own testing powers, which AWS's runner does not have: mocked steps and chained
// invokes, and a manual clock, with LocalDurableTestRunner from durabox-testing on the
// orders.ts handler (run from a folder outside the checkout by tests/bindings_node/run.sh).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { LocalDurableTestRunner } from 'durabox-testing';

before(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true }));
after(() => LocalDurableTestRunner.teardownTestEnvironment());

const ORDER = { item: 'book' };
const QUOTE = { amount: 12.5, currency: 'EUR' };

test('unmocked, the step runs its body and fails', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'orders.ts' });
  const result = await runner.run({ payload: ORDER });
  assert.equal(result.getStatus(), 'FAILED');
  const price = runner.getOperation('price');
  assert.equal(price.getStatus(), 'FAILED');
  assert.equal(price.getStepDetails().attempt, 2);
  assert.match(price.getStepDetails().error.errorMessage, /out of reach/);
});

test('a mocked step and a mocked invoke', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'orders.ts' })
    .mockStep('price', { result: QUOTE })
    .mockInvoke('payments', { result: { paid: true } });
  const result = await runner.run({ payload: ORDER });
  assert.equal(result.getStatus(), 'SUCCEEDED', JSON.stringify(result.getError()));
  assert.deepEqual(result.getResult(), { item: 'book', quote: QUOTE, payment: { paid: true } });
  const price = runner.getOperation('price');
  assert.equal(price.getStatus(), 'SUCCEEDED');
  assert.deepEqual(price.getStepDetails().result, QUOTE);
  assert.equal(price.getStepDetails().attempt, 1);
  const pay = runner.getOperation('pay');
  assert.equal(pay.getType(), 'CHAINED_INVOKE');
  assert.deepEqual(pay.getChainedInvokeDetails().result, { paid: true });
  // The wait still ran (time skipped): the whole handler, only the step and invoke mocked.
  assert.equal(runner.getOperation('cool-off').getStatus(), 'SUCCEEDED');
});

test('a mocked invoke error reaches the handler', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'orders.ts' })
    .mockStep('price', { result: QUOTE })
    .mockInvoke('payments', { error: { errorType: 'Declined', errorMessage: 'no funds' } });
  const result = await runner.run({ payload: ORDER });
  assert.equal(result.getStatus(), 'SUCCEEDED', JSON.stringify(result.getError()));
  assert.deepEqual(result.getResult(), { declined: 'no funds' });
  const pay = runner.getOperation('pay');
  assert.equal(pay.getStatus(), 'FAILED');
  assert.equal(pay.getChainedInvokeDetails().error.errorType, 'Declined');
});

test('a mocked step error goes through the retry strategy', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'orders.ts' })
    .mockStep('price', { error: new RangeError('quotes are down') });
  const result = await runner.run({ payload: ORDER });
  assert.equal(result.getStatus(), 'FAILED');
  const details = runner.getOperation('price').getStepDetails();
  assert.equal(details.attempt, 2);
  assert.equal(details.error.errorType, 'RangeError');
  assert.equal(details.error.errorMessage, 'quotes are down');
});

test('a manual clock fires the wait when due and not before', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'orders.ts', manualClock: true })
    .mockStep('price', { result: QUOTE })
    .mockInvoke('payments', { result: { paid: true } });
  const execution = runner.run({ payload: ORDER });

  const idle = await runner.runUntilIdle();
  assert.equal(idle.getStatus(), 'RUNNING');
  const wait = runner.getOperation('cool-off');
  assert.equal(wait.getStatus(), 'STARTED');
  assert.equal(wait.getWaitDetails().waitSeconds, 10);

  const early = await runner.advance({ seconds: 9 });
  assert.equal(early.getStatus(), 'RUNNING', 'not due yet');
  assert.equal(wait.getStatus(), 'STARTED');
  assert.equal(early.getInvocations().length, 1);

  const done = await runner.advance({ seconds: 1 });
  assert.equal(done.getStatus(), 'SUCCEEDED', JSON.stringify(done.getError()));
  assert.equal(wait.getStatus(), 'SUCCEEDED');
  assert.equal(wait.getEndTimestamp() - wait.getStartTimestamp(), 10_000);
  assert.equal(done.getInvocations().length, 2);

  const result = await execution;
  assert.deepEqual(result.getResult(), { item: 'book', quote: QUOTE, payment: { paid: true } });
});

test('bad mocks, and advancing a clock that is not manual, are refused', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'orders.ts' });
  assert.throws(() => runner.mockStep('price', {}), /needs \{ result \} or \{ error \}/);
  assert.throws(() => runner.mockStep('price', { result: 1, error: new Error('x') }), TypeError);
  await assert.rejects(runner.runUntilIdle(), /call run\(\) first/);
  await runner.run({ payload: ORDER });
  await assert.rejects(runner.advance({ seconds: -1 }), /duration/);
  await assert.rejects(runner.advance({ seconds: 1 }), /not manual/);
});
