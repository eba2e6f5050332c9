// A TypeScript handler written for AWS (tests/user_project/ts: `handler.ts` importing
// `@aws/durable-execution-sdk-js`, a package.json, no node_modules) builds unchanged with
// sdk/js/build.js from a copy outside the checkout, with that copy as the current
// directory, and runs like the quickstart. Build errors name file, line and column.
//
//   (cd sdk/js && npm ci) && cargo build -p durabox
//   node --test tests/js_api/
//
// DURABOX_BIN overrides the durabox binary (default target/debug/durabox).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const durabox = process.env.DURABOX_BIN ?? resolve(root, 'target/debug/durabox');
const buildJs = join(root, 'sdk/js/build.js');

const project = mkdtempSync(join(tmpdir(), 'durabox-user-ts-'));
cpSync(join(root, 'tests/user_project/ts'), project, { recursive: true });
after(() => rmSync(project, { recursive: true, force: true }));

/** `node <root>/sdk/js/build.js ...args` with the user's project as current directory. */
function build(...args) {
  return spawnSync(process.execPath, [buildJs, ...args], { cwd: project, encoding: 'utf8' });
}

test('the AWS-style TypeScript project builds and runs unchanged', () => {
  const built = build('handler.ts', 'out/handler.wasm');
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stderr, /durabox-js: out\/handler\.wasm \(\d+\.\d MB, \d+ ms\)/);

  const stdout = execFileSync(durabox, ['run', join(project, 'out/handler.wasm'), '--input', '"input str"', '--json'], {
    encoding: 'utf8',
  });
  const { Execution, Events } = JSON.parse(stdout);
  assert.equal(Execution.Status, 'SUCCEEDED', JSON.stringify(Execution.Error));
  assert.deepEqual(JSON.parse(Execution.Result), ['1 2', '3 4 4 3', '5 6']);
  const order = Events.filter((e) => ['StepSucceeded', 'WaitStarted', 'ContextStarted'].includes(e.EventType)).map(
    (e) => `${e.EventType}:${e.Name ?? ''}`,
  );
  assert.deepEqual(order, [
    'StepSucceeded:one',
    'WaitStarted:',
    'ContextStarted:two',
    'StepSucceeded:two_1',
    'StepSucceeded:two_2',
    'StepSucceeded:three',
  ]);
});

test('a syntax error names file, line and column, without a stack trace', () => {
  writeFileSync(join(project, 'broken.ts'), 'const a: number = 1;\nconst b = a x;\nexport const handler = b;\n');
  const built = build('broken.ts', 'out/broken.wasm');
  assert.equal(built.status, 1);
  assert.match(built.stderr, /^broken\.ts:2:13: error: Expected ";" but found "x"$/m);
  assert.doesNotMatch(built.stderr, /at .*build\.js/);
});

test('a Node built-in is a build error at the import', () => {
  writeFileSync(join(project, 'fs.ts'), "import { readFileSync } from 'node:fs';\nexport const handler = readFileSync;\n");
  const built = build('fs.ts', 'out/fs.wasm');
  assert.equal(built.status, 1);
  assert.match(built.stderr, /^fs\.ts:1:30: error: Node built-in module "fs" is not available/m);
});
