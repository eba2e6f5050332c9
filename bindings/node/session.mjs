// One `durabox test-session HANDLER` process and its JSON-lines protocol (documented in
// durabox's host/src/cli/session.rs): requests `{id, method, params}` on stdin, answers
// `{id, result}` / `{id, error: {type, message}}` on stdout, first a `{ready}` line.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** An error durabox reported; `type` is `Timeout`, `InvalidInput` or `Error`. */
export class DuraboxError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type === 'Timeout' ? 'TimeoutError' : 'DuraboxError';
    this.type = type;
  }
}

export class Session {
  /** Starts durabox on `handler` (a .wasm, or sources it builds); resolves once loaded. */
  static async open({ handler, durabox, skipTime, fireCallbackTimeouts, env }) {
    const args = ['test-session', handler];
    if (!skipTime) args.push('--no-skip-time');
    if (fireCallbackTimeouts) args.push('--fire-callback-timeouts');
    for (const [key, value] of Object.entries(env ?? {})) args.push('--env', `${key}=${value}`);
    const child = spawn(durabox, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new Session(child);
    await session.ready;
    return session;
  }

  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    this.stderr = '';
    child.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-8000);
    });
    this.ready = new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
    });
    const failAll = (why) => {
      const error = new DuraboxError('Error', `${why}\n${this.stderr}`.trim());
      this.readyWaiter?.reject(error);
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    child.on('error', (e) => failAll(`cannot start durabox (${e.message}); install it or set DURABOX_BIN`));
    child.on('exit', (code) => failAll(`durabox test-session exited (${code})`));
    createInterface({ input: child.stdout }).on('line', (line) => this.receive(line));
  }

  receive(line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return; // not protocol output
    }
    if (message.ready) {
      this.readyWaiter.resolve(message.ready);
      this.readyWaiter = undefined;
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.error) waiter.reject(new DuraboxError(message.error.type, message.error.message));
    else waiter.resolve(message.result);
  }

  /** Sends one request; resolves with its result. */
  call(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  close() {
    this.child.stdin.end();
    this.child.kill();
  }
}
