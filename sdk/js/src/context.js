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
import { contextUsageError, withActive } from './active.js';
import { acknowledged, never } from './flush.js';
import { DurablePromise } from './promise.js';
import { jsonSerdes } from './serdes.js';
import {
  CallbackExternalError,
  CallbackTimeoutError,
  CallbackSubmitterError,
  ChildContextError,
  DurableOperationError,
  InvokeError,
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
    /** Resolves with the error a fault (AWS's context-usage check) ends the invocation with. */
    this.faulted = new Promise((resolve) => {
      this._fault = resolve;
    });
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
  // No payload (AWS's defaultSerdes gives undefined for undefined) is recorded as none.
  if (payload === undefined || payload === null) return undefined;
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
 * Operations start when called and run concurrently, as in AWS's JS SDK: a step's body
 * starts at once (its DurablePromise only waits for it), child contexts and map /
 * parallel branches run side by side, and `await`s sit where AWS's SDK has them, so the
 * order of checkpoints (and of events) is AWS's. An operation that must wait for
 * something outside the invocation (a timer, a callback, a retry) never settles; the
 * invocation ends PENDING once nothing else can progress.
 */
export class DurableContext {
  /** `owner`: the gate of the child operation that created this context (none at the root). */
  constructor(raw, scope, shared = new Shared(), owner = undefined, prefix = undefined) {
    this._raw = raw;
    this._scope = scope;
    this._shared = shared;
    this._owner = owner;
    /** AWS's plain step id of this context's operation ('1', '2-1'; undefined at the root). */
    this._prefix = prefix;
    /** Operations started in this context: what the next plain step id counts from. */
    this._counter = 0;
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
   * operations already running and checkpoints the combined result as a child context, so
   * replay returns it unchanged. Lazy like AWS's: the child starts when awaited. A
   * rejection fails with PromiseCombinatorError (`all`, `any`, `race`); `allSettled`
   * records every outcome (a rejected Error as `{ message, name, stack }`, read back as
   * an Error).
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
    return new DurablePromise(async () => {
      const [name, [promises]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
      if (!Array.isArray(promises)) throw new TypeError(`promise.${kind} needs an array of promises`);
      const serdes = kind === 'allSettled' ? settledSerdes : this._shared.serdes;
      const errorMapper = (error) => new PromiseCombinatorError(error.message, error);
      // A child context, counted as one (AWS checks no context usage here).
      const plain = this._nextPlainId();
      return await this._runChild(plain, name, undefined, serdes, () => Promise[kind](promises), errorMapper);
    });
  }

  /** An operation not modelled on AWS's phases: started now, suspension parks it. */
  _op(operation, op) {
    const plain = this._enter(operation);
    if (plain === undefined || this._gated()) return DurablePromise.started(never());
    let promise;
    try {
      promise = Promise.resolve(op(plain));
    } catch (e) {
      promise = Promise.reject(e);
    }
    return DurablePromise.started(parked(promise));
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

  /**
   * Starts an operation of kind `operation` in this context: its plain step id, or
   * undefined when AWS's context-usage check fails (the call was made while another
   * context's code, or a step body, ran): the invocation then ends FAILED with AWS's error
   * and the operation never settles.
   */
  _enter(operation) {
    const error = contextUsageError(this._prefix, operation);
    if (error) {
      this._shared._fault(error);
      return undefined;
    }
    return this._nextPlainId();
  }

  /** Counts an operation of this context; returns its plain step id. */
  _nextPlainId() {
    this._counter += 1;
    return this._prefix === undefined ? `${this._counter}` : `${this._prefix}-${this._counter}`;
  }

  /**
   * Whether a child operation enclosing this context has finished (e.g. a map that
   * completed early while this branch ran on): as AWS's SDK, its operations then never
   * settle and record nothing.
   */
  _gated() {
    for (let gate = this._owner; gate; gate = gate.parent) if (gate.finished) return true;
    return false;
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

  /** `_call`, answering SUSPENDED instead of throwing when the operation must wait. */
  _host(f) {
    try {
      return this._call(f);
    } catch (e) {
      if (e instanceof SuspendExecution) return SUSPENDED;
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
   * Throws StepError when the step fails for good. The step starts at once (AWS's
   * phase 1); the returned DurablePromise waits for it.
   */
  step(...args) {
    const [name, [fn, config = {}]] = named(args);
    if (typeof fn !== 'function') throw new TypeError('step needs a function');
    const plain = this._enter('step');
    if (plain === undefined) return DurablePromise.started(never());
    const phase1 = this._stepPhase1(name, fn, config, plain);
    phase1.catch(() => undefined);
    return new DurablePromise(async () => await phase1);
  }

  async _stepPhase1(name, fn, config, plain) {
    if (this._gated()) return never();
    const serdes = config.serdes ?? this._shared.serdes;
    const { wit, decide } = stepConfigToWit(config);
    // Checkpoints START for a new attempt (AWS does not await it).
    const start = this._host(() => this._raw.stepBegin(name, wit));
    if (start === SUSPENDED) return never(); // a retry timer is pending
    if (start.tag === 'done') {
      if (start.val.tag === 'failed') throw stepError(start.val.val ?? {});
      return await deserialize(serdes, start.val.val, this._serdesInfo(undefined));
    }
    return await this._stepAttempt(start.val, name, plain, fn, serdes, decide);
  }

  /** One attempt of a step body, its awaits placed as in AWS's `executeStepLogic`. */
  async _stepAttempt({ id, attempt }, name, plain, fn, serdes, decide) {
    const plugins = this._shared.plugins;
    const operation = { id, name, type: 'STEP' };
    // Once per invocation: a new step, or one not finished earlier (a retry), as AWS.
    const first = !this._shared.startedSteps.has(id);
    this._shared.startedSteps.add(id);
    await (plugins.length && first ? emit(plugins, 'onOperationStart', operation) : undefined);
    await (plugins.length ? emit(plugins, 'onAttemptStart', { ...operation, attempt }) : undefined);
    const info = this._serdesInfo(id);
    let payload;
    try {
      const value = await this._callBody(plain, fn, { attempt, logger: this.logger, operationId: id });
      payload = await serialize(serdes, value, info);
    } catch (e) {
      return await this._stepFailed(id, operation, attempt, e, decide);
    }
    if (this._gated()) return never();
    this._call(() => this._raw.stepEnd(id, { tag: 'ok', val: payload }, undefined));
    await acknowledged();
    await (plugins.length ? emit(plugins, 'onAttemptEnd', { ...operation, attempt, outcome: 'SUCCEEDED' }) : undefined);
    await (plugins.length ? emit(plugins, 'onOperationEnd', { ...operation, status: 'SUCCEEDED' }) : undefined);
    return await deserialize(serdes, payload, info);
  }

  /** Calls a step body (or a condition check) as the active context `plain`: a durable call made while it runs synchronously fails AWS's context-usage check. */
  _callBody(plain, fn, ...args) {
    return withActive(plain, () => fn(...args));
  }

  /** A failed attempt: the host records a retry (the step then waits) or the failure. */
  async _stepFailed(id, operation, attempt, e, decide) {
    const plugins = this._shared.plugins;
    let decision;
    if (e instanceof SerdesError) {
      // Fails the same way on every attempt.
      decision = { shouldRetry: false, delaySeconds: 0 };
    } else if (decide) {
      try {
        decision = toRetryDecision(decide(e, attempt));
      } catch {
        decision = { shouldRetry: false, delaySeconds: 0 };
      }
    }
    if (this._gated()) return never();
    const outcome = this._host(() => this._raw.stepEnd(id, { tag: 'err', val: toErrorObject(e) }, decision));
    if (outcome === SUSPENDED) {
      // A retry was scheduled: the step waits for it beyond this invocation.
      await acknowledged();
      await (plugins.length ? emit(plugins, 'onAttemptEnd', { ...operation, attempt, outcome: 'FAILED' }) : undefined);
      return never();
    }
    await acknowledged();
    await (plugins.length ? emit(plugins, 'onAttemptEnd', { ...operation, attempt, outcome: 'FAILED' }) : undefined);
    await (plugins.length ? emit(plugins, 'onOperationEnd', { ...operation, status: 'FAILED' }) : undefined);
    throw stepError(outcome.val ?? {});
  }

  // ---- wait ------------------------------------------------------------------------

  /** `wait(name?, duration)`: a durable wait; `duration` is seconds or `{ days, hours, minutes, seconds }` (≥ 1 s). */
  wait(...args) {
    const [name, [duration]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
    const seconds = BigInt(Math.max(0, toSeconds(duration)));
    return this._op('wait', async () => {
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
   * `errorMapper(thatCause)` returns. Starts at once, as AWS's.
   */
  runInChildContext(...args) {
    const [name, [fn, config = {}]] = named(args);
    if (typeof fn !== 'function') throw new TypeError('runInChildContext needs a function');
    const { errorMapper } = config;
    if (errorMapper !== undefined && typeof errorMapper !== 'function') throw new TypeError('errorMapper must be a function');
    const plain = this._enter('runInChildContext');
    if (plain === undefined) return DurablePromise.started(never());
    return this._runChild(plain, name, config.subType, config.serdes ?? this._shared.serdes, fn, errorMapper);
  }

  /** A child context (`childBegin` … `childEnd`) shaped as AWS's runInChildContext. */
  _runChild(plain, name, subType, serdes, fn, errorMapper) {
    return this._childPromise(() => {
      if (this._gated()) return never();
      const start = this._host(() => this._raw.childBegin(name, subType));
      if (start === SUSPENDED) return never();
      if (start.tag === 'done') return this._completedChild(start.val, serdes, errorMapper);
      const raw = start.val;
      const gate = { finished: false, parent: this._owner };
      const child = new DurableContext(raw, this._scope, this._shared, gate, plain);
      return this._executeChild({
        gate,
        serdes,
        errorMapper,
        run: () => withActive(plain, () => fn(child)),
        entityId: child.id,
        end: (body) => this._call(() => childEnd(raw, body)),
      });
    });
  }

  /** AWS's two phases of a child: `phase1()` runs now, the DurablePromise reads its result. */
  _childPromise(phase1) {
    let result;
    let error;
    const settled = (async () => phase1())()
      .then((value) => {
        result = value;
      })
      .catch((e) => {
        error = e;
      });
    return new DurablePromise(async () => {
      await settled;
      if (error !== undefined) throw error;
      return result;
    });
  }

  /** A child recorded earlier: its result, or its error (mapped by `errorMapper`). */
  async _completedChild(outcome, serdes, errorMapper) {
    if (outcome.tag === 'failed') {
      const original = DurableOperationError.fromErrorObject(outcome.val ?? {});
      if (errorMapper) throw errorMapper(original);
      throw new ChildContextError(original.message, original);
    }
    return await deserialize(serdes, outcome.val, this._serdesInfo(undefined));
  }

  /**
   * Runs a started child's body and records how it ended (`end(body)`), awaits placed as
   * in AWS's `executeChildContext`. Once the body returned, operations still running
   * inside it are gated (`gate.finished`); its own end is recorded unless an enclosing
   * child finished first.
   */
  async _executeChild({ gate, serdes, errorMapper, run, entityId, end }) {
    // Read now: `end` hands the child's context resource back to the host.
    const info = this._serdesInfo(entityId);
    await undefined; // where AWS awaits its onOperationStart hook
    const closed = () => {
      for (let g = gate.parent; g; g = g.parent) if (g.finished) return true;
      return false;
    };
    try {
      const result = await run();
      gate.finished = true;
      const payload = await serialize(serdes, result, info);
      if (!closed()) end({ tag: 'ok', val: payload });
      await undefined; // AWS's onOperationEnd hook
      return await deserialize(serdes, payload, info);
    } catch (e) {
      const rebuilt = DurableOperationError.fromErrorObject(toErrorObject(e));
      gate.finished = true;
      if (!closed()) end({ tag: 'err', val: toErrorObject(e) });
      await undefined;
      if (errorMapper) throw errorMapper(rebuilt);
      throw new ChildContextError(rebuilt.message, rebuilt);
    }
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
    return this._op('createCallback', async () => this._createCallback(name, config));
  }

  _createCallback(name, config) {
    const handle = this._call(() => this._raw.createCallback(name, callbackConfigToWit(config)));
    const serdes = config.serdes ?? this._shared.callbackSerdes;
    const result = new DurablePromise(() => (this._gated() ? never() : parked(this._callbackResult(handle.id, serdes))));
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
    const plain = this._enter('waitForCallback');
    if (plain === undefined) return DurablePromise.started(never());
    const child = this._runChild(plain, name, 'WaitForCallback', childSerdes, body);
    return new DurablePromise(async () => {
      let raw;
      try {
        raw = await child;
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
    return this._op('waitForCondition', (plain) => this._condition(name, check, config, plain));
  }

  async _condition(name, check, config, plain) {
    const serdes = config.serdes ?? this._shared.serdes;
    const initial = (await serialize(serdes, config.initialState, this._serdesInfo(undefined))) ?? 'null';
    const start = this._call(() => this._raw.conditionBegin(name, initial));
    if (start.tag === 'done') return this._finish(start.val, undefined, serdes, conditionError);
    const { id, attempt, state } = start.val;
    const info = this._serdesInfo(id);
    const context = { attempt, logger: this.logger, operationId: id };
    let checked;
    let decision;
    try {
      const current = await deserialize(serdes, state, info);
      const next = await this._callBody(plain, check, current, context);
      const payload = (await serialize(serdes, next, info)) ?? 'null';
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
    return this._op('invoke', async () => {
      const info = this._serdesInfo(undefined);
      const input = payload === undefined ? undefined : await serialize(config.payloadSerdes ?? this._shared.serdes, payload, info);
      const outcome = this._call(() => this._raw.invoke(name ?? undefined, functionName, input, config.tenantId));
      return this._finish(outcome, undefined, config.resultSerdes ?? this._shared.serdes, invokeError);
    });
  }

  // ---- map and parallel ------------------------------------------------------------

  /**
   * `map(name?, items, fn, config?)`: runs `fn(context, item, index, items)` for every
   * item, each in its own branch context, up to `maxConcurrency` at once. Returns a
   * BatchResult (failures are collected; call `throwIfError()` to fail on them); it
   * resolves as soon as the completion policy holds, items still running then listed as
   * STARTED. `config`: `{ maxConcurrency, completionConfig, itemNamer: (item, index) =>
   * name, nesting: 'NESTED' | 'FLAT', itemSerdes, serdes }` (see `parallel`).
   */
  map(...args) {
    const [name, [items, fn, config = {}]] = named(args, (a) => typeof a === 'string' || a === undefined || a === null);
    if (!Array.isArray(items)) throw new TypeError('map needs an array of items');
    const names = config.itemNamer ? items.map((item, i) => String(config.itemNamer(item, i))) : undefined;
    // AWS's map executor: an async function returning the item function's promise.
    const run = async (ctx, i) => fn(ctx, items[i], i, items);
    return this._batchOperation(name, 'map', items.length, config, config.completionConfig, names, run);
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
    // AWS's parallel executor awaits the branch function.
    const run = async (ctx, i) => {
      const result = await funcs[i](ctx);
      return result;
    };
    return this._batchOperation(name, 'parallel', branches.length, config, completion, names, run);
  }

  /** map / parallel in AWS's layers: the operation's phase 1 awaits the concurrent execution's. */
  _batchOperation(name, kind, count, config, completion, names, run) {
    const plain = this._enter(kind);
    if (plain === undefined) return DurablePromise.started(never());
    const phase1 = (async () => {
      const result = await this._executeConcurrently(plain, name, kind, count, config, completion, names, run);
      return result;
    })();
    phase1.catch(() => undefined);
    return new DurablePromise(async () => await phase1);
  }

  _executeConcurrently(plain, name, kind, count, config, completion, names, run) {
    const phase1 = (async () => {
      const result = await this._batchChild(plain, name, kind, count, config, completion, names, run);
      return restoreBatch(result);
    })();
    const promise = new DurablePromise(async () => await phase1);
    promise.catch(() => undefined);
    return promise;
  }

  /** The container: a child context whose body runs the branches (`batch-begin` … `finish`). */
  _batchChild(plain, name, kind, count, config, completion, names, run) {
    const itemSerdes = config.itemSerdes ?? this._shared.serdes;
    const witConfig = {
      maxConcurrency: config.maxConcurrency ?? undefined,
      completion: completionToWit(completion ?? {}),
      nesting: String(config.nesting ?? 'NESTED').toLowerCase() === 'flat' ? 'flat' : 'nested',
      branchNames: names,
    };
    return this._childPromise(() => {
      if (this._gated()) return never();
      const start = this._host(() => this._raw.batchBegin(name, kind, count, witConfig));
      if (start === SUSPENDED) return never();
      if (start.tag === 'done') return this._completedBatch(start.val, config.serdes, itemSerdes);
      if (start.tag === 'failed') return Promise.reject(childContextError(start.val));
      const batch = start.val;
      const gate = { finished: false, parent: this._owner };
      return this._executeChild({
        gate,
        serdes: config.serdes ?? batchResultSerdes,
        run: async () => await this._batchItems(batch, gate, run, itemSerdes, plain),
        entityId: undefined,
        end: (body) => {
          if (body.tag === 'ok') this._call(() => batch.finish(body.val));
          dispose(batch);
        },
      });
    });
  }

  async _batchItems(batch, gate, run, itemSerdes, plain) {
    return await this._runBranches(batch, gate, run, itemSerdes, plain);
  }

  /**
   * AWS's ConcurrencyController: starts every branch the host admits (each a child
   * context, run concurrently), and after each branch ends either starts more or, once
   * the host's completion policy holds, resolves with the BatchResult of that moment.
   */
  _runBranches(batch, gate, run, itemSerdes, plain) {
    return new Promise((resolve) => {
      const values = new Map();
      let running = 0;
      let done = false;
      const onComplete = (index) => {
        running -= 1;
        if (done) return;
        if (!batch.complete(index)) {
          startNext();
          return;
        }
        done = true;
        resolve(this._batchResultNow(this._call(() => batch.settle()), values, itemSerdes));
      };
      const startNext = () => {
        for (let branch = this._call(() => batch.next()); branch; branch = this._call(() => batch.next())) {
          const { index, ctx: raw } = branch;
          const branchGate = { finished: false, parent: gate };
          // AWS runs each branch as a child context of the container: plain id `<container>-<i+1>`.
          const branchPlain = `${plain}-${index + 1}`;
          const ctx = new DurableContext(raw, this._scope, this._shared, branchGate, branchPlain);
          running += 1;
          this._childPromise(() =>
            this._executeChild({
              gate: branchGate,
              serdes: itemSerdes,
              run: () => withActive(branchPlain, () => run(ctx, index)),
              entityId: ctx.id,
              end: (body) => this._call(() => batch.branchEnd(index, raw, body)),
            }),
          ).then(
            (value) => {
              values.set(index, value);
              onComplete(index);
            },
            () => onComplete(index),
          );
        }
      };
      startNext();
      if (running === 0) {
        // Nothing to start (no items, or every one recorded earlier).
        running = 1;
        onComplete(undefined);
      }
    });
  }

  /**
   * The BatchResult for a WIT `batch-outcome`: the values of branches run in this
   * invocation, the recorded results of the others read with `serdes`.
   */
  _batchResultNow(outcome, values, serdes) {
    const results = outcome.items.map((item) => {
      if (values.has(item.index)) return values.get(item.index);
      if (item.status !== 'succeeded') return undefined;
      const value = serdes.deserialize(item.result ?? undefined, this._serdesInfo(undefined));
      return value instanceof Promise ? undefined : value;
    });
    return BatchResult.from(outcome, results);
  }

  /** A batch recorded earlier: its BatchResult read back from the container's payload. */
  async _completedBatch({ outcome, payload }, resultSerdes, itemSerdes) {
    if (resultSerdes) return await deserialize(resultSerdes, payload, this._serdesInfo(undefined));
    // A payload recorded before the SDK wrote AWS's: the host's reading of it.
    if (payload && outcome && isHostBatchPayload(payload)) return this._batchResult(outcome, itemSerdes);
    const result = batchResultSerdes.deserialize(payload);
    if (result === undefined) throw new SerdesError('the recorded batch has no result payload');
    return result;
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

/** What `_host` answers when the host says the operation must wait beyond this invocation. */
const SUSPENDED = Symbol('suspended');

/** `promise`, except that a suspension parks it (it never settles) instead of rejecting. */
function parked(promise) {
  return promise.catch((e) => {
    if (e instanceof SuspendExecution) return never();
    throw e;
  });
}
