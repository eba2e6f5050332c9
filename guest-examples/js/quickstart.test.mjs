// Testing a JS durable handler: run its component with `durabox run --json` (time is
// skipped, so the 1 s wait costs nothing) and assert on the result and the history.
//
//   cargo xtask build-guests        # builds target/guests/js/quickstart.wasm
//   (or: node sdk/js/build.js guest-examples/js/quickstart/app.js target/guests/js/quickstart.wasm)
//   node --test guest-examples/js/
//
// DURABOX_BIN overrides the durabox binary (default target/debug/durabox).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const durabox = process.env.DURABOX_BIN ?? resolve(root, 'target/debug/durabox');
const quickstart = resolve(root, 'target/guests/js/quickstart.wasm');

/** Runs one execution to its end; returns `{ Execution, Events }`. */
function runHandler(component, event) {
  let stdout;
  try {
    stdout = execFileSync(durabox, ['run', component, '--input', JSON.stringify(event), '--json'], {
      encoding: 'utf8',
    });
  } catch (e) {
    stdout = e.stdout; // a failed execution exits non-zero but still prints its JSON
  }
  assert.ok(stdout, 'durabox run printed nothing');
  return JSON.parse(stdout);
}

test('the quickstart returns each step result', () => {
  const { Execution } = runHandler(quickstart, 'input str');
  assert.equal(Execution.Status, 'SUCCEEDED');
  assert.deepEqual(JSON.parse(Execution.Result), ['1 2', '3 4 4 3', '5 6']);
  assert.ok(!Execution.DeterminismWarnings);
});

test('the history shows the steps and the replay after the wait', () => {
  const { Events } = runHandler(quickstart, 'input str');
  const succeeded = Events.filter((e) => e.EventType === 'StepSucceeded').map((e) => e.Name);
  assert.deepEqual(succeeded, ['one', 'two_1', 'two_2', 'three']);
  const wait = Events.find((e) => e.EventType === 'WaitStarted');
  assert.equal(wait.WaitStartedDetails.Duration, 1);
  // The wait right after "one" ends the first invocation; the second replays "one" and the
  // wait, then runs the child context "two" and the step "three".
  assert.equal(Events.filter((e) => e.EventType === 'InvocationCompleted').length, 2);
  const types = Events.map((e) => e.EventType);
  assert.ok(types.indexOf('WaitStarted') < types.indexOf('ContextStarted'), 'the wait comes before "two"');
});
