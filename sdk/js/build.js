#!/usr/bin/env node
// Builds a durabox JS guest: `node /path/to/sdk/js/build.js <entry> <out.wasm>`.
//
// Works from any current directory, with the entry anywhere on disk:
//
// 1. esbuild bundles the entry (TypeScript .ts/.mts/.cts or JavaScript .js/.mjs/.cjs)
//    into one ESM file. `@aws/durable-execution-sdk-js`, the AWS SDK's package name, is
//    resolved to this SDK (src/index.js), whether or not the handler's node_modules holds
//    the AWS package; the handler's other npm dependencies are bundled from its own
//    node_modules; `durabox:*` and `wasi:*` imports (the WIT world) stay imports; Node
//    built-ins, which the component does not have, are build errors.
// 2. componentize-js (SpiderMonkey/StarlingMonkey) builds the bundle for the
//    `durable-function` world of ../../wit, extended with wasi:cli's `environment` and
//    `exit` (wit/wasi-cli.wit) so the SDK can offer Node's `process.env` and
//    `process.exit`. The http and fetch-event features are disabled so the component
//    does not import wasi:http. componentize-js maps the current directory into its
//    build sandbox, so it runs from the temporary folder that holds the bundle.
//
// Needs nothing outside sdk/js (with its node_modules) and ../../wit. Errors are
// printed as `file:line:column: error: message`; the exit status is then 1. Stack traces
// in the component name the bundle (`<entry name>.js`, each module's code preceded by a
// `// <path>` comment); DURABOX_JS_BUNDLE=<file> writes a copy of it.

import { copyFile, mkdir, mkdtemp, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The AWS SDK's package name; imports of it (not of its subpaths) get this SDK. */
const AWS_PACKAGE = '@aws/durable-execution-sdk-js';
const SDK_ENTRY = join(here, 'src', 'index.js');
const ENTRY_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** The world the guest is built for: durabox:durable's `durable-function` plus wasi:cli. */
const WORLD = 'durable-function-js';

/** A build failure already explained to the user (no stack trace is printed). */
class BuildError extends Error {}

/**
 * A WIT folder is one package, so the guest world is assembled in a temporary folder:
 * wit/*.wit (durabox:durable), a world file including `durable-function`, and the wasi:cli
 * subset under deps/.
 */
async function guestWit(dir) {
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
}

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/**
 * Resolution rules: the AWS package name gets this SDK, WIT imports stay external, Node
 * built-ins are errors (unless a package's `browser` field or an npm polyfill covers them).
 */
const durableResolver = {
  name: 'durabox',
  setup(build) {
    build.onResolve({ filter: /^@aws\/durable-execution-sdk-js(\/.*)?$/ }, (args) => {
      if (args.path === AWS_PACKAGE) return { path: SDK_ENTRY };
      return {
        errors: [
          {
            text: `"${args.path}" is not exported by ${AWS_PACKAGE} (its package exports only the main entry, which durabox provides)`,
          },
        ],
      };
    });
    build.onResolve({ filter: /^[a-z][a-z0-9-]*:/ }, (args) => {
      if (args.path.startsWith('node:')) return nodeBuiltin(build, args, args.path.slice(5));
      // durabox:durable/*, wasi:cli/* …: imports of the component's WIT world.
      return { path: args.path, external: true };
    });
    build.onResolve({ filter: /^[a-z_][a-z0-9_]*(\/.*)?$/ }, (args) => {
      if (args.pluginData?.durabox || !NODE_BUILTINS.has(args.path)) return undefined;
      return nodeBuiltin(build, args, args.path);
    });
  },
};

async function nodeBuiltin(build, args, name) {
  if (!args.path.startsWith('node:')) {
    // A package's `browser` field (`"fs": false`) or an npm package of that name wins.
    const found = await build.resolve(args.path, {
      kind: args.kind,
      importer: args.importer,
      resolveDir: args.resolveDir,
      pluginData: { durabox: true },
    });
    if (found.errors.length === 0) return found;
  }
  return {
    errors: [
      {
        text:
          `Node built-in module "${name}" is not available in a durabox component ` +
          '(StarlingMonkey offers web APIs such as crypto.getRandomValues, TextEncoder and URL; ' +
          'the SDK adds process.env and process.exit)',
      },
    ],
  };
}

/** `file:line:column: kind: text`, the source line and a caret, then the notes. */
function formatMessage(kind, message) {
  const lines = [];
  const where = (loc) => (loc ? `${loc.file}:${loc.line}:${loc.column + 1}: ` : '');
  lines.push(`${where(message.location)}${kind}: ${message.text}`);
  if (message.location?.lineText) {
    const loc = message.location;
    lines.push(`    ${loc.lineText}`);
    lines.push(`    ${' '.repeat(loc.column)}${'^'.repeat(Math.max(1, loc.length))}`);
  }
  for (const note of message.notes ?? []) lines.push(`  ${where(note.location)}note: ${note.text}`);
  return lines.join('\n');
}

/** Bundles `entry` into one ESM file; returns its text. */
async function bundle(entry) {
  const esbuild = await import('esbuild');
  const cwd = process.cwd();
  const shown = relative(cwd, entry) || entry;
  // The component's export is `handler` (the WIT interface); re-exporting it by name makes
  // a missing export a build error and works for ES modules and CommonJS alike.
  const wrapper = `export { handler } from ${JSON.stringify(entry)};\n`;
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents: wrapper, resolveDir: dirname(entry), sourcefile: 'durabox-entry.js', loader: 'js' },
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      keepNames: true, // class and function names (ErrorType, constructor.name) as written
      // Read NODE_ENV from the function's environment at run time (the SDK's process.env),
      // as in Lambda, instead of esbuild's browser default of "development".
      define: { 'process.env.NODE_ENV': 'globalThis.process.env.NODE_ENV' },
      minify: false,
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [durableResolver],
    });
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    for (const w of e.warnings ?? []) console.error(formatMessage('warning', w));
    const lines = e.errors.map((err) => {
      const missing = /^No matching export in "(.*)" for import "handler"$/.exec(err.text);
      if (missing && err.location?.file === 'durabox-entry.js') {
        return `${shown}: error: no export named "handler" (export const handler = withDurableExecution(...))`;
      }
      return formatMessage('error', err);
    });
    throw new BuildError(lines.join('\n'));
  }
  for (const w of result.warnings) console.error(formatMessage('warning', w));
  return result.outputFiles[0].text;
}

async function main() {
  const [source, out] = process.argv.slice(2);
  if (!source || !out) {
    throw new BuildError('usage: node sdk/js/build.js <entry.ts|.js|.mjs|.cjs|.mts|.cts> <out.wasm>');
  }
  const entry = resolve(source);
  const outPath = resolve(out);
  if (!(await stat(entry).catch(() => null))?.isFile()) throw new BuildError(`${source}: error: no such file`);
  if (!ENTRY_EXTENSIONS.includes(extname(entry))) {
    throw new BuildError(`${source}: error: the entry must be one of ${ENTRY_EXTENSIONS.join(', ')}`);
  }

  const started = Date.now();
  const code = await bundle(entry);
  // Stack traces give lines of the bundle: DURABOX_JS_BUNDLE=<file> keeps a copy to read.
  if (process.env.DURABOX_JS_BUNDLE) await writeFile(resolve(process.env.DURABOX_JS_BUNDLE), code);
  const { componentize } = await import('@bytecodealliance/componentize-js');
  // componentize-js reads the source through a sandbox that maps the current directory
  // (when it contains the source): build from a folder holding only the bundle.
  const work = await realpath(await mkdtemp(join(tmpdir(), 'durabox-js-')));
  const witPath = join(work, 'wit');
  const src = join(work, 'src');
  await mkdir(witPath);
  await mkdir(src);
  await guestWit(witPath);
  // Stack traces name this file (lines are those of the bundle).
  const bundleName = `${basename(entry, extname(entry))}.js`;
  await writeFile(join(src, bundleName), code);
  const previous = process.cwd();
  let component;
  try {
    process.chdir(src);
    ({ component } = await componentize({
      sourcePath: join(src, bundleName),
      witPath,
      worldName: WORLD,
      disableFeatures: ['http', 'fetch-event'],
    }));
  } catch (e) {
    throw new BuildError(`${source}: error: componentize-js failed: ${e?.message ?? e}`);
  } finally {
    process.chdir(previous);
    await rm(work, { recursive: true, force: true });
  }
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, component);
  console.error(`durabox-js: ${out} (${(component.length / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)`);
}

try {
  await main();
} catch (e) {
  if (!(e instanceof BuildError)) throw e;
  console.error(e.message);
  process.exit(1);
}
