// Node's `process.env` and `process.exit` for handlers ported from Lambda's Node runtime.
// StarlingMonkey has no `process`; these read wasi:cli (imported by build.js's world).

import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exit as wasiExit } from 'wasi:cli/exit@0.2.12';

function lookup(key) {
  if (typeof key !== 'string') return undefined;
  for (const [k, v] of getEnvironment()) if (k === key) return v;
  return undefined;
}

/**
 * The function's environment variables (durabox's per-function `env`), read when accessed:
 * module top-level code runs at build time (componentize-js snapshots it), so nothing is
 * cached. Read-only.
 */
export const env = new Proxy(
  {},
  {
    get: (_, key) => lookup(key),
    has: (_, key) => lookup(key) !== undefined,
    ownKeys: () => getEnvironment().map(([k]) => k),
    getOwnPropertyDescriptor: (_, key) => {
      const value = lookup(key);
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
    set: () => false,
    deleteProperty: () => false,
  },
);

/**
 * Ends the invocation at once, like a crashed Lambda runtime (`Runtime.ExitError`): nothing
 * after it runs and nothing more is checkpointed. The service re-invokes the handler.
 */
export function exit(code = 0) {
  wasiExit(code === 0 ? { tag: 'ok' } : { tag: 'err' });
  throw new Error('process.exit returned');
}

if (typeof globalThis.process === 'undefined') {
  globalThis.process = { env, exit };
}
