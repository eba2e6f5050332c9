// LocalDurableTestRunner from durabox-testing (installed with `npm install
// <checkout>/bindings/node`) on the untouched TypeScript quickstart handler and an approval
// handler, from a folder outside the checkout (tests/bindings_node/run.sh). Written as for
// @aws/durable-execution-sdk-js-testing, with `handler: PATH` where AWS's runner takes the
// handler function.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { LocalDurableTestRunner, WaitingOperationStatus } from 'durabox-testing';

before(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true }));
after(() => LocalDurableTestRunner.teardownTestEnvironment());

test('the quickstart runs to its result with 16 history events', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'quickstart-ts/handler.ts' });
  const result = await runner.run({ payload: 'input str' });
  assert.equal(result.getStatus(), 'SUCCEEDED');
  assert.deepEqual(result.getResult(), ['1 2', '3 4 4 3', '5 6']);
  assert.equal(result.getHistoryEvents().length, 16);
  assert.ok(result.getHistoryEvents()[0].EventTimestamp instanceof Date);
  const one = runner.getOperation('one');
  assert.equal(one.getType(), 'STEP');
  assert.equal(one.getStatus(), 'SUCCEEDED');
  assert.equal(one.getStepDetails().result, '1 2');
  const two = runner.getOperation('two');
  assert.deepEqual(two.getChildOperations().map((op) => op.getName()), ['two_1', 'two_2']);
  assert.equal(two.getContextDetails().result, '3 4 4 3');
  assert.equal(result.getInvocations().length, 2);
});

test('a callback answered 2 s after it became pending, with time skipped', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'approval.ts' });
  const approval = runner.getOperation('approval');
  const execution = runner.run({ payload: { order: 7 } });
  await approval.waitForData(WaitingOperationStatus.STARTED);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await approval.sendCallbackSuccess(JSON.stringify({ by: 'ops' }));
  const result = await execution;
  assert.equal(result.getStatus(), 'SUCCEEDED', JSON.stringify(result.getError()));
  assert.deepEqual(result.getResult(), { order: 7, approval: '{"by":"ops"}' });
  assert.equal(approval.getStatus(), 'SUCCEEDED');
});
