// The durable context: every operation of the AWS JS SDK's `DurableContext`, each a thin
// wrapper over one or two WIT calls. The host decides replay versus live execution,
// allocates ids and applies retry and completion policies.

import { childEnd } from 'durabox:durable/types@0.1.0';

import { BatchResult, batchResultSerdes, isHostBatchPayload, restoreBatchResult } from './batch.js';
import {
  callbackConfigToWit,
  completionToWit,
  conditionDecision,
  stepConfigToWit,
  toRetryDecision,
  toSeconds,
} from './config.js';
import { emit } from './plugin.js';
import { DurablePromise } from './promise.js';
import { jsonSerdes } from './serdes.js';
import {
  CallbackExternalError,
  CallbackTimeoutError,
  CallbackSubmitterError,
  ChildContextError,
  DurableOperationError,
  InvokeError,
  NestedOperationError,
  PromiseCombinatorError,
  SerdesError,
  SuspendExecution,
  ValidationError,
  WaitForConditionError,
  childContextError,
  fromRecord,
  toErrorObject,
} from './errors.js';

/**
 * Where a suspension is remembered. The root context and its child contexts share one
 * scope (a suspended child suspends the handler); each map item or parallel branch has
 * its own, because a suspended branch does not stop the others.
 */
export class Scope {
  constructor() {
    this.suspended = false;
  }
}

/** What every context of one invocation shares: the logger configuration and plugins. */
export class Shared {
  constructor(plugins = []) {
    /** False = log while replaying too (AWS `configureLogger({ modeAware: false })`). */
    this.modeAware = true;
    /** The plugins registered with `withDurableExecution` (see plugin.js). */
    this.plugins = plugins;
    /** Steps whose `onOperationStart` fired in this invocation. */
    this.startedSteps = new Set();
    /** AWS `configureSerdes({ defaultSerdes })`: the serdes of operations given none. */
    this.serdes = jsonSerdes;
    /** AWS `configureSerdes({ defaultCallbackDeserializer })`: reads callback results. */
    this.callbackSerdes = passThroughSerdes;
    /** Whether `configureSerdes` set a defaultCallbackDeserializer. */
    this.customCallbackDeserializer = false;
  }
}

export { jsonSerdes };

async function serialize(serdes, value, info) {
  let payload;
  try {
    payload = await serdes.serialize(value, info);
  } catch (e) {
    throw new SerdesError(`cannot serialize the result: ${e?.message ?? e}`);
  }
  if (payload === undefined || payload === null) return 'null';
  if (typeof payload !== 'string') throw new SerdesError('serdes.serialize must return a string');
  return payload;
}

async function deserialize(serdes, payload, info) {
  try {
    return await serdes.deserialize(payload ?? undefined, info);
  } catch (e) {
    throw new SerdesError(`cannot deserialize the checkpointed result: ${e?.message ?? e}`);
  }
}

/** Drops an owned WIT resource now (the GC would do it some time later). */
export function dispose(resource) {
  const key = [Symbol.dispose, Symbol.for('dispose')].find((k) => k && typeof resource?.[k] === 'function');
  if (key) resource[key]();
}

/**
 * Logs attributed to a context; the host captures them per invocation. Replay-aware by
 * default: lines logged by code that ran in an earlier invocation are dropped while it
 * replays, unless `configureLogger({ modeAware: false })` turned that off.
 */
export class Logger {
  constructor(raw, shared = new Shared()) {
    this._raw = raw;
    this._shared = shared;
  }

  /** `log(level, ...args)`; `level` is `'DEBUG' | 'INFO' | 'WARN' | 'ERROR'` (AWS `DurableLogLevel`, any case). */
  log(level, ...args) {
    level = String(level).toLowerCase();
    if (!LOG_LEVELS.has(level)) throw new TypeError(`unknown log level ${JSON.stringify(level)}`);
    const message = args
      .map((a) => {
        if (typeof a === 'string') return a;
        if (a instanceof Error) return a.stack ? `${a.name}: ${a.message}\n${a.stack}` : `${a.name}: ${a.message}`;
        try {
          return JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(a);
        } catch {
          return String(a);
        }
      })
      .join(' ');
    if (this._shared.modeAware) this._raw.log(level, message);
    else this._raw.logAlways(level, message);
  }

  debug(...args) {
    this.log('debug', ...args);
  }

  info(...args) {
    this.log('info', ...args);
  }

  warn(...args) {
    this.log('warn', ...args);
  }

  error(...args) {
    this.log('error', ...args);
  }
}

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/** `(name?, ...rest)`: AWS JS operations take an optional leading name. */
function named(args, isName = (a) => typeof a === 'string' || a === undefined || a === null) {
  if (args.length > 0 && isName(args[0]) && (args.length > 1 || typeof args[0] === 'string')) {
    return [args[0] ?? undefined, args.slice(1)];
  }
  return [undefined, args];
}

/**
 * The durable context handed to a handler, a child-context function, or a map item /
 * parallel branch.
 *
 * Operations on one context run one at a time in call order: each starts after the
 * previous one (including its step body or child function) has finished, because the
 * host needs each operation closed before the next starts. `Promise.all` over operations
 * of one context is allowed but runs them in sequence; use `map` / `parallel` for
 * branches that may wait independently.
 */
export class DurableContext {
  constructor(raw, scope, shared = new Shared()) {
    this._raw = raw;
    this._scope = scope;
    this._shared = shared;
    this._tail = Promise.resolve();
    /** Name of the step whose body is running ('' = unnamed), else undefined. */
    this._openStep = undefined;
    this.logger = new Logger(raw, shared);
  }

  /** Operation id of this context (undefined for the root context). */
  get id() {
    return this._raw.id() ?? undefined;
  }

  /** The ARN of the running execution. */
  get executionArn() {
    return this._raw.executionArn();
  }

  /** AWS `executionContext`: `{ durableExecutionArn }`. */
  get executionContext() {
    return { durableExecutionArn: this._raw.executionArn() };
  }

  /**
   * AWS `promise.all / allSettled / any / race(name?, promises)`: combines promises of
   * this context's operations and checkpoints the combined result as a child context, so
   * replay returns it unchanged. Operations of one context run in call order, so `race`
   * and `any` settle with the first operation in call order that settles (resp.
   * succeeds). A rejection fails with PromiseCombinatorError (`all`, `any`, `race`);
   * `allSettled` records every outcome (a rejected Error as `{ message, name, stack }`,
   * read back as an Error).
   */
  get promise() {
    return {
      all: (...args) => this._combine('all', args),
      allSettled: (...args) => this._combine('allSettled', args),
      any: (...args) => this._combine('any', args),
      race: (...args) => this._combine('race', args),
    };
  }

  _combine(kind, args) {
    const [name, [promises]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
    if (!Array.isArray(promises)) throw new TypeError(`promise.${kind} needs an array of promises`);
    for (const p of promises) {
      // Start lazy operations (a callback's result) now, so they queue before the
      // combinator instead of waiting behind it; rejections are handled by the combinator.
      if (p && typeof p.then === 'function') p.then(undefined, () => undefined);
    }
    const serdes = kind === 'allSettled' ? settledSerdes : this._shared.serdes;
    const body = () => Promise[kind](promises);
    return this._op(async () => {
      try {
        return await this._child(name, undefined, serdes, body);
      } catch (e) {
        // AWS's errorMapper: the child's rebuilt error wrapped in PromiseCombinatorError.
        if (!(e instanceof ChildContextError)) throw e;
        throw new PromiseCombinatorError(e.cause?.message, e.cause);
      }
    });
  }

  /** A public operation's promise: runs `op` in call order (see `_serial`). */
  _op(op) {
    return DurablePromise.started(this._serial(op));
  }

  /**
   * AWS `configureSerdes({ defaultSerdes, defaultCallbackDeserializer })`: the serdes
   * used by every operation of this execution that is given none (`defaultSerdes`), and
   * the reader of callback results (`defaultCallbackDeserializer`, `{ deserialize }`).
   */
  configureSerdes(config = {}) {
    if (config.defaultSerdes) this._shared.serdes = config.defaultSerdes;
    if (config.defaultCallbackDeserializer) {
      this._shared.callbackSerdes = { serialize: jsonSerdes.serialize, deserialize: config.defaultCallbackDeserializer.deserialize };
      this._shared.customCallbackDeserializer = true;
    }
  }

  /**
   * AWS `configureLogger({ modeAware })`: with `modeAware: false` every context's logger
   * of this execution also logs while replaying, so code re-run on replay (e.g. a child
   * context whose large result was not checkpointed) stays observable. Default true.
   */
  configureLogger(config = {}) {
    if (config.customLogger !== undefined) {
      // The host captures log lines and knows when code is replayed; a guest-side logger
      // could not be made replay-aware.
      throw new ValidationError('configureLogger: customLogger is not supported by durabox (the host captures context.logger lines)');
    }
    if (config.modeAware !== undefined) this._shared.modeAware = Boolean(config.modeAware);
  }

  /** The serdes context (AWS `SerdesContext`) for an operation. */
  _serdesInfo(entityId) {
    return { entityId, durableExecutionArn: this._raw.executionArn() };
  }

  // ---- plumbing --------------------------------------------------------------------

  /** Runs `op` after every earlier operation of this context has finished. */
  _serial(op) {
    if (this._openStep !== undefined) {
      // Queueing behind the open step would deadlock: the step waits for this call.
      const error = new NestedOperationError(
        `a durable operation was called inside step ${JSON.stringify(this._openStep)}: ` +
          'durable operations cannot run inside a step body (use runInChildContext)',
      );
      return Promise.reject(error);
    }
    const run = this._tail.then(() => {
      if (this._scope.suspended) throw new SuspendExecution();
      return op();
    });
    this._tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Resolves when every operation issued so far on this context has finished. */
  async _idle() {
    let tail;
    do {
      tail = this._tail;
      await tail;
    } while (tail !== this._tail);
  }

  /** A WIT call; turns `op-error` into SuspendExecution / ValidationError. */
  _call(f) {
    try {
      return f();
    } catch (e) {
      const payload = e?.payload;
      if (payload?.tag === 'suspended') {
        this._scope.suspended = true;
        throw new SuspendExecution();
      }
      if (payload?.tag === 'invalid-argument') throw new ValidationError(payload.val);
      throw e;
    }
  }

  /** A finished operation's value; `toError(record)` builds what a failure throws. */
  async _finish(outcome, ours, serdes, toError, entityId) {
    if (outcome.tag === 'failed') throw toError(outcome.val ?? {});
    return deserialize(serdes, ours ?? outcome.val, this._serdesInfo(entityId));
  }

  // ---- step ------------------------------------------------------------------------

  /**
   * `step(name?, fn, config?)`: runs `fn(stepContext)` as a durable step; its result is
   * checkpointed and replayed without running `fn` again. `stepContext` has `attempt`
   * (1-based) and `logger`. `config`: `{ retryStrategy, semantics, serdes, subType }`.
   * Throws StepError when the step fails for good.
   */
  step(...args) {
    const [name, [fn, config = {}]] = named(args);
    if (typeof fn !== 'function') throw new TypeError('step needs a function');
    return this._op(() => this._step(name, fn, config));
  }

  async _step(name, fn, config) {
    const serdes = config.serdes ?? this._shared.serdes;
    const { wit, decide } = stepConfigToWit(config);
    const start = this._call(() => this._raw.stepBegin(name, wit));
    if (start.tag === 'done') return this._finish(start.val, undefined, serdes, stepError);
    const { id, attempt } = start.val;
    const stepContext = { attempt, logger: this.logger, operationId: id };
    const plugins = this._shared.plugins;
    const operation = { id, name, type: 'STEP' };
    // Once per invocation: a new step, or one not finished earlier (a retry), as AWS.
    if (plugins.length && !this._shared.startedSteps.has(id)) {
      this._shared.startedSteps.add(id);
      await emit(plugins, 'onOperationStart', operation);
    }
    if (plugins.length) await emit(plugins, 'onAttemptStart', { ...operation, attempt });
    let body;
    let decision;
    let value;
    let threw = false;
    this._openStep = name ?? '';
    try {
      value = await fn(stepContext);
    } catch (e) {
      threw = true;
      this._openStep = undefined;
      if (plugins.length) await emit(plugins, 'onAttemptEnd', { ...operation, attempt, outcome: 'FAILED' });
      body = { tag: 'err', val: toErrorObject(e) };
      if (e instanceof NestedOperationError) {
        decision = { shouldRetry: false, delaySeconds: 0 };
      } else if (decide) {
        try {
          decision = toRetryDecision(await decide(e, attempt));
        } catch {
          decision = { shouldRetry: false, delaySeconds: 0 };
        }
      }
    }
    this._openStep = undefined;
    if (!threw) {
      if (plugins.length) await emit(plugins, 'onAttemptEnd', { ...operation, attempt, outcome: 'SUCCEEDED' });
      try {
        body = { tag: 'ok', val: await serialize(serdes, value, this._serdesInfo(id)) };
      } catch (e) {
        // A value that cannot be serialized fails the same way on every attempt.
        body = { tag: 'err', val: toErrorObject(e) };
        decision = { shouldRetry: false, delaySeconds: 0 };
      }
    }
    // Throws SuspendExecution when a retry was scheduled: the step is not over.
    const outcome = this._call(() => this._raw.stepEnd(id, body, decision));
    if (plugins.length) {
      await emit(plugins, 'onOperationEnd', { ...operation, status: outcome.tag === 'failed' ? 'FAILED' : 'SUCCEEDED' });
    }
    return this._finish(outcome, body.tag === 'ok' ? body.val : undefined, serdes, stepError, id);
  }

  // ---- wait ------------------------------------------------------------------------

  /** `wait(name?, duration)`: a durable wait; `duration` is seconds or `{ days, hours, minutes, seconds }` (≥ 1 s). */
  wait(...args) {
    const [name, [duration]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
    const seconds = BigInt(Math.max(0, toSeconds(duration)));
    return this._op(async () => {
      this._call(() => this._raw.wait(name, seconds));
    });
  }

  // ---- child contexts --------------------------------------------------------------

  /**
   * `runInChildContext(name?, fn, config?)`: runs `fn(childContext)`; its result is
   * checkpointed as one CONTEXT operation and replayed without running `fn`.
   * `config`: `{ subType, serdes, errorMapper }`. Throws ChildContextError when `fn`
   * throws (its `cause`: the thrown error as recorded and rebuilt by
   * `DurableOperationError.fromErrorObject`, e.g. a StepError), or what
   * `errorMapper(thatCause)` returns.
   */
  runInChildContext(...args) {
    const [name, [fn, config = {}]] = named(args);
    if (typeof fn !== 'function') throw new TypeError('runInChildContext needs a function');
    const { errorMapper } = config;
    if (errorMapper !== undefined && typeof errorMapper !== 'function') throw new TypeError('errorMapper must be a function');
    return this._op(async () => {
      try {
        return await this._child(name, config.subType, config.serdes ?? this._shared.serdes, fn);
      } catch (e) {
        // AWS `errorMapper`: given the child's rebuilt error (the ChildContextError's
        // cause), returns the error to throw instead of the ChildContextError.
        if (errorMapper && e instanceof ChildContextError) throw errorMapper(e.cause);
        throw e;
      }
    });
  }

  async _child(name, subType, serdes, fn) {
    const start = this._call(() => this._raw.childBegin(name, subType));
    if (start.tag === 'done') return this._finish(start.val, undefined, serdes, childContextError);
    const raw = start.val;
    const child = new DurableContext(raw, this._scope, this._shared);
    let body;
    try {
      const value = await fn(child);
      await child._idle();
      if (!this._scope.suspended) body = { tag: 'ok', val: await serialize(serdes, value, this._serdesInfo(child.id)) };
    } catch (e) {
      if (!this._scope.suspended) body = { tag: 'err', val: toErrorObject(e) };
    }
    if (this._scope.suspended) {
      // Nothing to checkpoint: dropping the context leaves it open for the replay.
      dispose(raw);
      throw new SuspendExecution();
    }
    const id = child.id;
    const outcome = this._call(() => childEnd(raw, body));
    return this._finish(outcome, body.tag === 'ok' ? body.val : undefined, serdes, childContextError, id);
  }

  // ---- callbacks -------------------------------------------------------------------

  /**
   * `createCallback(name?, config?)` resolves to `[promise, callbackId]` like the AWS JS
   * SDK. Awaiting `promise` reads the callback's result (suspending the invocation until
   * an external system completes it) and throws CallbackExternalError (its `cause` named
   * by the ErrorType the failure was sent with) / CallbackTimeoutError. The result is
   * the raw text sent (as AWS's default pass-through deserializer), unless `serdes` or
   * `configureSerdes({ defaultCallbackDeserializer })` reads it.
   * `config`: `{ timeout, heartbeatTimeout, subType, serdes }`.
   */
  createCallback(...args) {
    const [name, [config = {}]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
    return this._op(async () => this._createCallback(name, config));
  }

  _createCallback(name, config) {
    const handle = this._call(() => this._raw.createCallback(name, callbackConfigToWit(config)));
    const serdes = config.serdes ?? this._shared.callbackSerdes;
    const result = new DurablePromise(() => this._serial(() => this._callbackResult(handle.id, serdes)));
    return [result, handle.callbackId];
  }

  async _callbackResult(id, serdes) {
    const outcome = this._call(() => this._raw.callbackResult(id));
    switch (outcome.tag) {
      case 'succeeded':
        return deserialize(serdes, outcome.val, this._serdesInfo(id));
      case 'timed-out':
        throw outcome.val ? fromRecord(CallbackTimeoutError, outcome.val) : new CallbackTimeoutError();
      default:
        throw outcome.val ? fromRecord(CallbackExternalError, outcome.val) : new CallbackExternalError();
    }
  }

  /**
   * `waitForCallback(name?, submitter, config?)`: creates a callback, runs
   * `submitter(callbackId, stepContext)` as a step (e.g. to notify an approver) and
   * returns the callback's result, all in one child context of subtype WaitForCallback,
   * as the AWS SDKs do. `config`: callback config (`timeout`, `heartbeatTimeout`, `serdes`
   * reading the callback's raw text; default: the text itself) plus `retryStrategy` for
   * the submitter. Throws CallbackExternalError / CallbackTimeoutError, or
   * CallbackSubmitterError when the submitter failed.
   */
  waitForCallback(...args) {
    const [name, [submitter, config = {}]] = named(args);
    if (typeof submitter !== 'function') throw new TypeError('waitForCallback needs a submitter function');
    // As AWS: the inner callback and submitter step are unnamed; the callback's raw text
    // passes through the child (whose result is checkpointed with the default serdes, or
    // passed through when a defaultCallbackDeserializer is configured) and is read once,
    // afterwards, with config.serdes or the callback deserializer.
    const body = async (child) => {
      const callbackConfig = { timeout: config.timeout, heartbeatTimeout: config.heartbeatTimeout, serdes: passThroughSerdes };
      const [result, callbackId] = await child.createCallback(callbackConfig);
      const stepConfig = config.retryStrategy ? { retryStrategy: config.retryStrategy } : {};
      await child.step(
        async (step) => {
          await submitter(callbackId, step);
        },
        stepConfig,
      );
      return await result;
    };
    const childSerdes = this._shared.customCallbackDeserializer ? passThroughSerdes : this._shared.serdes;
    return this._op(async () => {
      let raw;
      try {
        raw = await this._child(name, 'WaitForCallback', childSerdes, body);
      } catch (e) {
        // AWS's errorMapper, applied to the child's rebuilt error.
        if (!(e instanceof ChildContextError)) throw e;
        const original = e.cause;
        const type = original?.errorType;
        if (type === 'CallbackTimeoutError' || type === 'CallbackExternalError' || type === 'CallbackError') throw original;
        if (type === 'StepError') throw new CallbackSubmitterError(original.message, original);
        throw e;
      }
      return deserialize(config.serdes ?? this._shared.callbackSerdes, raw, this._serdesInfo(undefined));
    });
  }

  // ---- wait for condition ----------------------------------------------------------

  /**
   * `waitForCondition(name?, check, { initialState, waitStrategy, serdes })`: runs
   * `check(state, context)` and asks `waitStrategy(state, attempt)` whether to poll again
   * (`{ shouldContinue: true, delay }`) or stop (`{ shouldContinue: false }`); returns the
   * final state. `createWaitStrategy({...})` gives a host-applied backoff. Each check's
   * state is checkpointed (through `serdes`, default JSON, which must write JSON: the
   * host keeps the state as JSON); the waits in between suspend. Throws
   * WaitForConditionError.
   */
  waitForCondition(...args) {
    const [name, [check, config = {}]] = named(args);
    if (typeof check !== 'function') throw new TypeError('waitForCondition needs a check function');
    return this._op(() => this._condition(name, check, config));
  }

  async _condition(name, check, config) {
    const serdes = config.serdes ?? this._shared.serdes;
    const initial = await serialize(serdes, config.initialState, this._serdesInfo(undefined));
    const start = this._call(() => this._raw.conditionBegin(name, initial));
    if (start.tag === 'done') return this._finish(start.val, undefined, serdes, conditionError);
    const { id, attempt, state } = start.val;
    const info = this._serdesInfo(id);
    const context = { attempt, logger: this.logger, operationId: id };
    let checked;
    let decision;
    try {
      const current = await deserialize(serdes, state, info);
      this._openStep = name ?? '';
      let next;
      try {
        next = await check(current, context);
      } finally {
        this._openStep = undefined;
      }
      const payload = await serialize(serdes, next, info);
      checked = { tag: 'ok', val: payload };
      // The strategy sees the state as it will be replayed.
      decision = conditionDecision(config.waitStrategy, await deserialize(serdes, payload, info), attempt);
    } catch (e) {
      checked = { tag: 'err', val: toErrorObject(e) };
      decision = { tag: 'stop' };
    }
    const outcome = this._call(() => this._raw.conditionEnd(id, checked, decision));
    return this._finish(outcome, undefined, serdes, conditionError, id);
  }

  // ---- chained invoke --------------------------------------------------------------

  /**
   * `invoke(name?, functionName, payload?, config?)`: invokes another durable function
   * and returns its result (suspending while it runs). With a leading name, pass at
   * least three arguments (a name of `undefined` is fine: `invoke(undefined, fn, 'text',
   * config)` sends a string payload). `config`: `{ tenantId, payloadSerdes (writes the
   * target's input, which must be JSON), resultSerdes (reads the target's result) }`.
   * Throws InvokeError.
   */
  invoke(...args) {
    let name;
    let rest = args;
    if (args.length >= 3 && typeof args[1] === 'string') [name, ...rest] = args;
    const [functionName, payload, config = {}] = rest;
    return this._op(async () => {
      const info = this._serdesInfo(undefined);
      const input = payload === undefined ? undefined : await serialize(config.payloadSerdes ?? this._shared.serdes, payload, info);
      const outcome = this._call(() => this._raw.invoke(name ?? undefined, functionName, input, config.tenantId));
      return this._finish(outcome, undefined, config.resultSerdes ?? this._shared.serdes, invokeError);
    });
  }

  // ---- map and parallel ------------------------------------------------------------

  /**
   * `map(name?, items, fn, config?)`: runs `fn(context, item, index, items)` for every
   * item, each in its own branch context. Returns a BatchResult (failures are collected;
   * call `throwIfError()` to fail on them). `config`: `{ maxConcurrency,
   * completionConfig, itemNamer: (item, index) => name, nesting: 'NESTED' | 'FLAT',
   * itemSerdes, serdes }` (see `parallel` for the two serdes).
   */
  map(...args) {
    const [name, [items, fn, config = {}]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
    if (!Array.isArray(items)) throw new TypeError('map needs an array of items');
    const names = config.itemNamer ? items.map((item, i) => String(config.itemNamer(item, i))) : undefined;
    return this._op(() =>
      this._batch(name, 'map', items.length, config, config.completionConfig, names, (ctx, i) =>
        fn(ctx, items[i], i, items),
      ),
    );
  }

  /**
   * `parallel(name?, branches, config?)`: runs every branch (`(context) => …` or
   * `{ name, func }`) in its own branch context. Returns a BatchResult. The default
   * completion requires every branch to succeed. `config`: `{ maxConcurrency,
   * completionConfig, nesting, itemSerdes, serdes }`: `itemSerdes` checkpoints each
   * branch's result (default JSON); `serdes` checkpoints the whole BatchResult as the
   * container's payload instead of the default JSON summary, and reads it back on replay
   * (its `deserialize` may return a BatchResult or `{ all, completionReason }`).
   */
  parallel(...args) {
    const [name, [branches, config = {}]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
    if (!Array.isArray(branches)) throw new TypeError('parallel needs an array of branches');
    const funcs = branches.map((b) => (typeof b === 'function' ? b : b.func));
    const names = branches.some((b) => typeof b === 'object' && b.name)
      ? branches.map((b, i) => (typeof b === 'object' && b.name) || `parallel-branch-${i}`)
      : undefined;
    const completion = config.completionConfig ?? { toleratedFailureCount: 0, toleratedFailurePercentage: 0 };
    return this._op(() =>
      this._batch(name, 'parallel', branches.length, config, completion, names, (ctx, i) => funcs[i](ctx)),
    );
  }

  async _batch(name, kind, count, config, completion, names, run) {
    const itemSerdes = config.itemSerdes ?? this._shared.serdes;
    const resultSerdes = config.serdes;
    const witConfig = {
      maxConcurrency: config.maxConcurrency ?? undefined,
      completion: completionToWit(completion ?? {}),
      nesting: String(config.nesting ?? 'NESTED').toLowerCase() === 'flat' ? 'flat' : 'nested',
      branchNames: names,
    };
    const start = this._call(() => this._raw.batchBegin(name, kind, count, witConfig));
    if (start.tag === 'done') {
      const { outcome, payload } = start.val;
      if (resultSerdes) return restoreBatch(await deserialize(resultSerdes, payload, this._serdesInfo(undefined)));
      // A payload recorded before the SDK wrote AWS's: the host's reading of it.
      if (payload && outcome && isHostBatchPayload(payload)) return this._batchResult(outcome, itemSerdes);
      const result = batchResultSerdes.deserialize(payload);
      if (result === undefined) throw new SerdesError('the recorded batch has no result payload');
      return result;
    }
    if (start.tag === 'failed') throw childContextError(start.val);
    const batch = start.val;
    try {
      for (;;) {
        const branch = this._call(() => batch.next());
        if (!branch) break;
        const scope = new Scope();
        const ctx = new DurableContext(branch.ctx, scope, this._shared);
        let body;
        try {
          const value = await run(ctx, branch.index);
          await ctx._idle();
          if (!scope.suspended) body = { tag: 'ok', val: await serialize(itemSerdes, value, this._serdesInfo(ctx.id)) };
        } catch (e) {
          if (!scope.suspended) body = { tag: 'err', val: toErrorObject(e) };
        }
        if (scope.suspended) {
          // The branch waits for something: drop its context, the others go on.
          dispose(branch.ctx);
          continue;
        }
        this._call(() => batch.branchEnd(branch.index, branch.ctx, body));
      }
      // As AWS: nothing is recorded until the whole result is serialized (by `serdes`, or
      // AWS's BatchResult serdes); then it is read back like a replay would, so a lossy
      // serdes shows on the first run too.
      const info = this._serdesInfo(undefined);
      const result = await this._batchResult(this._call(() => batch.settle()), itemSerdes);
      const serdes = resultSerdes ?? batchResultSerdes;
      const payload = await serialize(serdes, result, info);
      this._call(() => batch.finish(payload));
      return restoreBatch(await deserialize(serdes, payload, info));
    } finally {
      dispose(batch);
    }
  }

  /** A WIT `batch-outcome` as a BatchResult, the succeeded items read with `serdes`. */
  async _batchResult(outcome, serdes) {
    const results = [];
    for (const item of outcome.items) {
      results.push(item.status === 'succeeded' ? await deserialize(serdes, item.result, this._serdesInfo(undefined)) : undefined);
    }
    return BatchResult.from(outcome, results);
  }
}

/**
 * The batch's value read back from its payload, as AWS's map / parallel: anything with an
 * `all` array becomes a BatchResult (`restoreBatchResult`), anything else is returned as is.
 */
function restoreBatch(value) {
  if (value && typeof value === 'object' && 'all' in value && Array.isArray(value.all)) return restoreBatchResult(value);
  return value;
}

/** AWS `createPassThroughSerdes()`: callback results are the raw text the external system sent. */
const passThroughSerdes = Object.freeze({
  serialize: (value) => value,
  deserialize: (payload) => payload,
});

/** AWS's errors of finished operations, from the recorded error (WIT shape). */
const stepError = (record) => DurableOperationError.fromErrorObject(record);
const conditionError = (record) => fromRecord(WaitForConditionError, record);
const invokeError = (record) =>
  new InvokeError(record.errorMessage || undefined, record.errorMessage ? new Error(record.errorMessage) : undefined, record.errorData);

/**
 * `allSettled` results, as AWS's error-aware serdes: a rejected Error reason is kept as
 * `{ message, name, stack }` and read back as an Error with that name and message.
 */
const settledSerdes = Object.freeze({
  serialize: (results) =>
    results === undefined
      ? undefined
      : JSON.stringify(
          results.map((r) =>
            r && r.status === 'rejected' && r.reason instanceof Error
              ? { ...r, reason: { message: r.reason.message, name: r.reason.name, stack: r.reason.stack } }
              : r,
          ),
        ),
  deserialize: (payload) => {
    if (payload === undefined || payload === null || payload === '') return undefined;
    return JSON.parse(payload).map((r) => {
      if (!(r && r.status === 'rejected' && r.reason && typeof r.reason === 'object' && r.reason.message)) return r;
      const reason = new Error(r.reason.message);
      reason.name = r.reason.name || 'Error';
      if (r.reason.stack) reason.stack = r.reason.stack;
      return { ...r, reason };
    });
  },
});
