#!/usr/bin/env node
// Builds a durabox JS guest: `node sdk/js/build.js <app.js> <out.wasm>`.
//
// componentize-js (SpiderMonkey/StarlingMonkey) with the `durable-function` world of
// wit/. The http and fetch-event features are disabled so the component does not import
// wasi:http. Run it from the project root (xtask does): componentize-js maps the current
// directory into the build sandbox, so the guest may import the SDK by relative path,
// and stack traces show project-relative paths.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { componentize } from '@bytecodealliance/componentize-js';

const here = dirname(fileURLToPath(import.meta.url));
const [source, out] = process.argv.slice(2);
if (!source || !out) {
  console.error('usage: node sdk/js/build.js <app.js> <out.wasm>');
  process.exit(2);
}

const started = Date.now();
const { component } = await componentize({
  sourcePath: resolve(source),
  witPath: resolve(here, '../../wit'),
  worldName: 'durable-function',
  disableFeatures: ['http', 'fetch-event'],
});
await mkdir(dirname(resolve(out)), { recursive: true });
await writeFile(resolve(out), component);
console.error(`durabox-js: ${out} (${(component.length / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)`);
