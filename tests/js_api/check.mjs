#!/usr/bin/env node
// API coverage check: every public runtime export of AWS's `@aws/durable-execution-sdk-js`
// and every member of its `DurableContext` interface must exist in durabox's JS SDK
// (`sdk/js/src`) or be listed, with a reason, in `excluded.json`.
//
//   node tests/js_api/check.mjs          (from anywhere; needs node >= 20 and npm)
//
// The AWS package is installed by this script with `npm ci` from this folder's
// package.json / package-lock.json (pinned version) into target/js-api/ (cache
// target/npm-cache), and only reinstalled when the lock file changes. Its export names come
// from importing it in node; its DurableContext members from its published
// `dist-types/types/durable-context.d.ts`. durabox's side is read by static analysis of
// sdk/js/src/index.js (and the files it re-exports from), because the SDK imports
// `durabox:durable/*` and `wasi:cli/*`, which exist only inside a component.
//
// Exits 1 when something AWS has is neither in durabox nor excluded, when an exclusion
// has no reason, or when an exclusion is stale (durabox now has the name, or AWS no
// longer exports it). Prints the comparison either way.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const PREFIX = join(ROOT, 'target', 'js-api');
const CACHE = join(ROOT, 'target', 'npm-cache');
const PACKAGE = '@aws/durable-execution-sdk-js';
const SDK_INDEX = join(ROOT, 'sdk', 'js', 'src', 'index.js');

// ---- install the pinned AWS package ------------------------------------------------------

function install() {
  const lock = readFileSync(join(HERE, 'package-lock.json'));
  const want = createHash('sha256').update(lock).update(readFileSync(join(HERE, 'package.json'))).digest('hex');
  const stamp = join(PREFIX, '.lock.sha256');
  const installed = join(PREFIX, 'node_modules', ...PACKAGE.split('/'), 'package.json');
  if (existsSync(installed) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return;
  mkdirSync(PREFIX, { recursive: true });
  copyFileSync(join(HERE, 'package.json'), join(PREFIX, 'package.json'));
  copyFileSync(join(HERE, 'package-lock.json'), join(PREFIX, 'package-lock.json'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(
    npm,
    ['ci', '--prefix', PREFIX, '--cache', CACHE, '--ignore-scripts', '--engine-strict=false', '--no-audit', '--no-fund', '--loglevel=error'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  writeFileSync(stamp, `${want}\n`);
}

// ---- AWS's side --------------------------------------------------------------------------

async function awsApi() {
  const dir = join(PREFIX, 'node_modules', ...PACKAGE.split('/'));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const pinned = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')).dependencies[PACKAGE];
  if (pkg.version !== pinned) throw new Error(`installed ${PACKAGE}@${pkg.version}, pinned ${pinned}`);
  const entry = pkg.exports?.['.']?.import ?? pkg.module;
  const module = await import(pathToFileURL(join(dir, entry)).href);
  const exports = Object.keys(module).filter((n) => n !== 'default').sort();

  // DurableContext's members: the interface body of durable-context.d.ts. Depth-1
  // members are `name(`, `name<`, `name:` or `name?:` at the interface's indentation;
  // members of an object-typed property (`promise: { all(...) }`) become `promise.all`.
  const dts = readFileSync(join(dir, 'dist-types', 'types', 'durable-context.d.ts'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const body = dts.slice(dts.indexOf('export interface DurableContext'));
  const members = new Set();
  let depth = 0;
  let parent;
  for (const raw of body.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '');
    const trimmed = line.trim();
    if (depth === 1 || depth === 2) {
      const m = /^(readonly\s+)?([A-Za-z_$][\w$]*)\??\s*[(<:]/.exec(trimmed);
      if (m && !trimmed.startsWith('*')) {
        if (depth === 1) {
          members.add(m[2]);
          parent = /:\s*\{\s*$/.test(trimmed) ? m[2] : undefined;
        } else if (parent) {
          members.add(`${parent}.${m[2]}`);
        }
      }
    }
    for (const ch of line) {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
    }
    if (depth === 1 && parent && trimmed.startsWith('}')) parent = undefined;
    if (depth <= 0 && trimmed.startsWith('}')) break;
  }
  return { version: pkg.version, exports, contextMembers: [...members].sort() };
}

// ---- durabox's side (static analysis) ----------------------------------------------------

const IDENT = /^[A-Za-z_$][\w$]*$/;

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The names a module exports, following `export ... from` and `export * from`. */
function moduleExports(file, seen = new Set()) {
  if (seen.has(file)) return new Map();
  seen.add(file);
  const src = stripComments(readFileSync(file, 'utf8'));
  const names = new Map(); // exported name -> { file, local }
  const add = (exported, info) => names.set(exported, info);
  for (const m of src.matchAll(/export\s*\{([^}]*)\}\s*(?:from\s*['"]([^'"]+)['"])?/g)) {
    const from = m[2] && m[2].startsWith('.') ? resolve(dirname(file), m[2]) : undefined;
    for (const spec of m[1].split(',').map((s) => s.trim()).filter(Boolean)) {
      const [local, exported = local] = spec.split(/\s+as\s+/).map((s) => s.trim());
      if (!IDENT.test(exported)) continue;
      if (from) {
        const inner = moduleExports(from, new Set(seen)).get(local);
        add(exported, inner ?? { file: from, local });
      } else {
        add(exported, { file, local });
      }
    }
  }
  for (const m of src.matchAll(/export\s+\*\s+from\s*['"](\.[^'"]+)['"]/g)) {
    for (const [n, info] of moduleExports(resolve(dirname(file), m[1]), new Set(seen))) if (!names.has(n)) add(n, info);
  }
  for (const m of src.matchAll(/export\s+(?:async\s+)?(?:const|let|var|function\*?|class)\s+([A-Za-z_$][\w$]*)/g)) {
    add(m[1], { file, local: m[1] });
  }
  return names;
}

/** The block `{ ... }` starting at the first `{` at or after `from` in `src`. */
function block(src, from) {
  const start = src.indexOf('{', from);
  let depth = 0;
  for (let i = start; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth === 0) return src.slice(start + 1, i);
  }
  throw new Error('unbalanced braces');
}

/**
 * A class's public members: methods, getters/setters, static members at the class body's
 * top level, plus `this.name =` fields set in the constructor; `_private` names are left
 * out. An object literal returned by a getter (`get promise() { return { all: ... } }`)
 * adds `promise.all` etc.
 */
function classMembers(file, className) {
  const src = stripComments(readFileSync(file, 'utf8'));
  const at = src.search(new RegExp(`class\\s+${className}\\b`));
  if (at < 0) throw new Error(`class ${className} not found in ${file}`);
  const body = block(src, at);
  const members = new Set();
  let depth = 0;
  let parens = 0;
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (depth === 0 && (ch === '(' || ch === ')' || parens > 0)) {
      // A member's parameter list (defaults may hold braces) belongs to its head.
      if (ch === '(') parens++;
      else if (ch === ')') parens--;
      current += ch;
      continue;
    }
    if (ch === '{') {
      if (depth === 0) {
        const head = /^(?:static\s+)?(?:async\s+)?(?:(get|set)\s+)?\*?\s*([A-Za-z_$][\w$]*)\s*\([\s\S]*\)\s*$/.exec(current.trim());
        if (head) {
          const name = head[2];
          if (name !== 'constructor' && !name.startsWith('_')) members.add(name);
          const inner = block(body, i);
          if (name === 'constructor') {
            for (const f of inner.matchAll(/this\.([A-Za-z_$][\w$]*)\s*=/g)) if (!f[1].startsWith('_')) members.add(f[1]);
          }
          if (head[1] === 'get') {
            const ret = /return\s*\{([\s\S]*)\}\s*;?\s*$/.exec(inner.trim());
            if (ret) for (const k of ret[1].matchAll(/(?:^|,)\s*([A-Za-z_$][\w$]*)\s*[:(,]/g)) members.add(`${name}.${k[1]}`);
          }
        }
        current = '';
      }
      depth++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0) current = '';
    } else if (depth === 0) {
      if (ch === ';') {
        const field = /^\s*(?:static\s+)?([A-Za-z_$][\w$]*)\s*(=|$)/.exec(current);
        if (field && !field[1].startsWith('_')) members.add(field[1]);
        current = '';
      } else current += ch;
    }
  }
  return members;
}

function duraboxApi() {
  const exports = moduleExports(SDK_INDEX);
  const ctx = exports.get('DurableContext');
  if (!ctx) throw new Error('sdk/js/src/index.js does not export DurableContext');
  return { exports: new Set(exports.keys()), contextMembers: classMembers(ctx.file, ctx.local) };
}

// ---- compare ----------------------------------------------------------------------------

function checkExclusions(kind, awsNames, ours, excluded, problems) {
  const missing = [];
  const covered = [];
  const skipped = [];
  for (const name of awsNames) {
    if (ours.has(name)) {
      covered.push(name);
      if (name in excluded) problems.push(`${kind} ${name}: excluded in excluded.json but durabox has it (drop the exclusion)`);
    } else if (name in excluded) {
      skipped.push(name);
    } else {
      missing.push(name);
    }
  }
  for (const [name, reason] of Object.entries(excluded)) {
    if (typeof reason !== 'string' || reason.trim().length < 10) problems.push(`${kind} ${name}: exclusion needs a reason`);
    if (!awsNames.includes(name)) problems.push(`${kind} ${name}: excluded but AWS does not have it (stale exclusion)`);
  }
  for (const name of missing) problems.push(`${kind} ${name}: AWS has it, durabox neither has it nor excludes it`);
  return { covered, skipped, missing };
}

async function main() {
  install();
  const aws = await awsApi();
  const ours = duraboxApi();
  const excluded = JSON.parse(readFileSync(join(HERE, 'excluded.json'), 'utf8'));
  const problems = [];
  const exp = checkExclusions('export', aws.exports, ours.exports, excluded.exports ?? {}, problems);
  const ctx = checkExclusions('DurableContext member', aws.contextMembers, ours.contextMembers, excluded.contextMembers ?? {}, problems);
  console.log(`${PACKAGE}@${aws.version}`);
  console.log(`  exports: ${aws.exports.length} (${exp.covered.length} in durabox, ${exp.skipped.length} excluded)`);
  console.log(`  DurableContext members: ${aws.contextMembers.length} (${ctx.covered.length} in durabox, ${ctx.skipped.length} excluded)`);
  const extra = [...ours.exports].filter((n) => !aws.exports.includes(n)).sort();
  if (extra.length) console.log(`  durabox-only exports: ${extra.join(', ')}`);
  if (problems.length) {
    console.error(`\nJS API check failed (${problems.length}):`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log('JS API check passed');
}

main().catch((e) => {
  console.error(`JS API check error: ${e?.stack ?? e}`);
  process.exit(2);
});
