#!/usr/bin/env node
// Builds a durabox JS guest: `node sdk/js/build.js <app.js> <out.wasm>`.
//
// componentize-js (SpiderMonkey/StarlingMonkey) with the `durable-function` world of
// wit/, extended with wasi:cli's `environment` and `exit` (sdk/js/wit/wasi-cli.wit) so the
// SDK can offer Node's `process.env` and `process.exit`. The http and fetch-event
// features are disabled so the component does not import wasi:http. Run it from the
// project root (xtask does): componentize-js maps the current directory into the build
// sandbox, so the guest may import the SDK by relative path, and stack traces show
// project-relative paths.

import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { componentize } from '@bytecodealliance/componentize-js';

const here = dirname(fileURLToPath(import.meta.url));
const [source, out] = process.argv.slice(2);
if (!source || !out) {
  console.error('usage: node sdk/js/build.js <app.js> <out.wasm>');
  process.exit(2);
}

/** The world the guest is built for: durabox:durable's `durable-function` plus wasi:cli. */
const WORLD = 'durable-function-js';

/**
 * A WIT folder is one package, so the guest world is assembled in a temporary folder:
 * wit/*.wit (durabox:durable), a world file including `durable-function`, and the wasi:cli
 * subset under deps/.
 */
async function guestWit() {
  const dir = await mkdtemp(join(tmpdir(), 'durabox-wit-'));
  const wit = resolve(here, '../../wit');
  for (const file of await readdir(wit)) {
    if (file.endsWith('.wit')) await copyFile(join(wit, file), join(dir, file));
  }
  await writeFile(
    join(dir, 'zz-js-guest.wit'),
    `package durabox:durable@0.1.0;\n\nworld ${WORLD} {\n    include durable-function;\n` +
      '    import wasi:cli/environment@0.2.12;\n    import wasi:cli/exit@0.2.12;\n}\n',
  );
  await mkdir(join(dir, 'deps', 'cli'), { recursive: true });
  await copyFile(resolve(here, 'wit/wasi-cli.wit'), join(dir, 'deps', 'cli', 'wasi-cli.wit'));
  return dir;
}

const started = Date.now();
const witPath = await guestWit();
let component;
try {
  ({ component } = await componentize({
    sourcePath: resolve(source),
    witPath,
    worldName: WORLD,
    disableFeatures: ['http', 'fetch-event'],
  }));
} finally {
  await rm(witPath, { recursive: true, force: true });
}
await mkdir(dirname(resolve(out)), { recursive: true });
await writeFile(resolve(out), component);
console.error(`durabox-js: ${out} (${(component.length / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)`);
