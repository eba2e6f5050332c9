// durabox's own testing powers, which AWS's runner does not have: mocked steps and chained
// invokes and a manual clock (on the orders.ts handler), the replay gate and crash testing
// (on shipping.ts and tally.ts), with LocalDurableTestRunner from durabox-testing (run from
// a folder outside the checkout by tests/bindings_node/run.sh).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// ---- the replay gate ----------------------------------------------------------------------

const SHIPMENT = { item: 'book' };

test('shipping-swapped.ts is shipping.ts with the steps reserve and charge swapped', () => {
  // (A file of its own: writing it here would change the project folder, whose content is
  // the fingerprint of every handler's build in it.)
  const lines = readFileSync('shipping.ts', 'utf8').split('\n');
  const reserve = lines.findIndex((line) => line.includes('step("reserve"'));
  assert.match(lines[reserve + 1], /step\("charge"/);
  [lines[reserve], lines[reserve + 1]] = [lines[reserve + 1], lines[reserve]];
  assert.equal(readFileSync('shipping-swapped.ts', 'utf8'), lines.join('\n'));
});

test('a recorded history replays on the same code; swapped steps diverge', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'shipping.ts' });
  const recorded = await runner.run({ payload: SHIPMENT });
  assert.equal(recorded.getStatus(), 'SUCCEEDED', JSON.stringify(recorded.getError()));
  const events = recorded.getHistoryEvents(); // EventTimestamp as Dates

  for (const history of [events, { Events: events }, recorded, JSON.stringify({ Events: events })]) {
    const replayed = await runner.replay(history);
    assert.equal(replayed.reproduced, true, JSON.stringify(replayed.divergence));
    assert.equal(replayed.divergence, undefined);
    // reserve, charge, settle, ship; the recorded end (the result) compared too.
    assert.equal(replayed.recordedOperations, 4);
    assert.equal(replayed.reproducedOperations, 4);
    assert.equal(replayed.finished, true);
  }

  const folder = mkdtempSync(join(tmpdir(), 'durabox-history-'));
  const historyFile = join(folder, 'history.json');
  writeFileSync(historyFile, JSON.stringify({ Events: events }));
  const swapped = new LocalDurableTestRunner({ handler: 'shipping-swapped.ts' });
  const replayed = await swapped.replay(historyFile).finally(() => rmSync(folder, { recursive: true }));
  assert.equal(replayed.reproduced, false);
  const { position, name, expected, got } = replayed.divergence;
  assert.deepEqual([position, name], [1, 'reserve'], JSON.stringify(replayed.divergence));
  assert.match(expected, /reserve/);
  assert.match(got, /charge/);

  // The orders handler asks for other operations than shipping.ts recorded.
  const other = await new LocalDurableTestRunner({ handler: 'orders.ts' }).replay(recorded);
  assert.equal(other.divergence.name, 'reserve', JSON.stringify(other.divergence));
});

test('an unreadable history is refused', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'shipping.ts' });
  await assert.rejects(runner.replay({ events: [] }), /Events/);
  await assert.rejects(runner.replay('no-such-history.json'), /not a history/);
  await assert.rejects(runner.replay(42), TypeError);
});

// ---- crash testing ------------------------------------------------------------------------

test('chaos finds state kept outside durable operations', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'tally.ts' });
  assert.equal((await runner.run()).getResult(), 2);
  const chaos = await runner.chaos();
  assert.equal(chaos.allSame, false);
  assert.deepEqual(chaos.checkpoints, [
    "START STEP 'a'", "SUCCEED STEP 'a'", "START STEP 'b'", "SUCCEED STEP 'b'"]);
  // A crash after a's START re-runs a: the count is right again. After a's end the replay
  // skips a's body: b counts 1 and the handler returns 1; after b's end it returns 0.
  assert.deepEqual(chaos.changed.map((p) => p.after), [
    "SUCCEED STEP 'a'", "START STEP 'b'", "SUCCEED STEP 'b'"], JSON.stringify(chaos.points));
  assert.equal(chaos.changed[0].differences[0], 'result: expected 2, got 1');
  assert.deepEqual(chaos.changed.at(-1).differences, ['result: expected 2, got 0']);
  assert.deepEqual(chaos.points.map((p) => p.index), [1, 2, 3, 4]);
});

test("chaos keeps a correct handler's outcome at every crash point", async () => {
  const runner = new LocalDurableTestRunner({ handler: 'shipping.ts' });
  const chaos = await runner.chaos({ payload: SHIPMENT });
  assert.equal(chaos.allSame, true, JSON.stringify(chaos.changed));
  assert.deepEqual(chaos.changed, []);
  assert.deepEqual(chaos.checkpoints, [
    "START STEP 'reserve'", "SUCCEED STEP 'reserve'", "START STEP 'charge'",
    "SUCCEED STEP 'charge'", "START WAIT 'settle'", "START STEP 'ship'", "SUCCEED STEP 'ship'"]);
});

test('chaos runs with the mocks', async () => {
  const runner = new LocalDurableTestRunner({ handler: 'orders.ts' })
    .mockStep('price', { result: QUOTE })
    .mockInvoke('payments', { result: { paid: true } });
  const chaos = await runner.chaos({ payload: ORDER });
  assert.equal(chaos.allSame, true, JSON.stringify(chaos.changed));
  assert.ok(chaos.checkpoints.includes("SUCCEED STEP 'price'"), JSON.stringify(chaos.checkpoints));
});
