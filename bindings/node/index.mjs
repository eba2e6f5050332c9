// durabox-testing: the LocalDurableTestRunner API of @aws/durable-execution-sdk-js-testing,
// running the handler in durabox's sandbox (a `durabox test-session` process per runner).
//
//   import { LocalDurableTestRunner } from 'durabox-testing';
//   await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
//   const runner = new LocalDurableTestRunner({ handler: 'handler.ts' });
//   const result = await runner.run({ payload: { orderId: 1 } });
//   result.getStatus();                                 // 'SUCCEEDED'
//   runner.getOperation('one').getStepDetails().result; // '1 2'
//   await LocalDurableTestRunner.teardownTestEnvironment();
//
// `handler` is a component (.wasm) or the handler's sources (a .ts/.js file or its folder),
// built as `durabox build` builds them, through the same cache. durabox is found through
// the `durabox` option, $DURABOX_BIN, or `durabox` on the PATH.
//
// durabox's own powers (not in AWS's runner), for executions started afterwards:
//
//   runner.mockStep('price', { result: { amount: 12.5 } });     // the body does not run
//   runner.mockInvoke('payments', { error: { errorType: 'Declined', errorMessage: 'no' } });
//
// and a manual clock (`new LocalDurableTestRunner({ handler, manualClock: true })`):
//
//   const execution = runner.run({ payload });
//   await runner.runUntilIdle();                 // a TestResult once nothing happens by itself
//   await runner.advance({ seconds: 9 });        // fires each timer due on the way, in order
//
// and the replay gate and crash testing:
//
//   const replayed = await runner.replay(history);   // a history recorded anywhere, this code
//   replayed.reproduced;                              // or replayed.divergence: where it differs
//   const chaos = await runner.chaos({ payload });    // a crash after every checkpoint
//   chaos.allSame;                                    // or chaos.changed: the crash points

import { readFileSync } from 'node:fs';

import { DuraboxError, Session } from './session.mjs';

export { DuraboxError };

/** What `DurableOperation.waitForData` waits for (AWS's enum). */
export const WaitingOperationStatus = Object.freeze({
  STARTED: 'STARTED',
  SUBMITTED: 'SUBMITTED',
  COMPLETED: 'COMPLETED',
});

const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'STOPPED', 'CANCELLED']);
const POLL_MS = 10;

let environment = { skipTime: true, fireCallbackTimeouts: false };
const openSessions = new Set();

const date = (millis) => (millis === undefined || millis === null ? undefined : new Date(millis));

/** A payload as AWS's runner gives it: parsed JSON, or the text when it is not JSON. */
function parsed(payload) {
  if (payload === undefined || payload === null) return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

function testError(error) {
  if (!error) return undefined;
  return {
    errorMessage: error.ErrorMessage,
    errorType: error.ErrorType,
    errorData: error.ErrorData,
    stackTrace: error.StackTrace,
  };
}

/** An error a test hands over (`{errorType, errorMessage, errorData, stackTrace}`, as
 * `TestResult.getError()` gives it, or an Error) as an ErrorObject. */
function errorObject(error) {
  if (error instanceof Error) return { ErrorType: error.name, ErrorMessage: error.message };
  if (typeof error !== 'object' || error === null) {
    throw new TypeError('an error is an Error or {errorType, errorMessage, errorData?, stackTrace?}');
  }
  return {
    ErrorType: error.errorType,
    ErrorMessage: error.errorMessage,
    ErrorData: error.errorData,
    StackTrace: error.stackTrace,
  };
}

/** A mock of the session protocol: `{name, result?: JSON text, error?: ErrorObject}`. */
function mock(name, answer) {
  if (typeof name !== 'string' || name === '') throw new TypeError('a mock needs the name it answers');
  if (typeof answer !== 'object' || answer === null || ('result' in answer) === ('error' in answer)) {
    throw new TypeError(`the mock of '${name}' needs { result } or { error }`);
  }
  if ('error' in answer) return { name, error: errorObject(answer.error) };
  return { name, result: answer.result === undefined ? undefined : JSON.stringify(answer.result) };
}

/** Milliseconds of a duration: `{days?, hours?, minutes?, seconds?, milliseconds?}` (AWS's
 * `Duration`, plus milliseconds) or a number of seconds. */
function millis(duration) {
  const ms =
    typeof duration === 'number'
      ? duration * 1000
      : typeof duration === 'object' && duration !== null
        ? ((duration.days ?? 0) * 86400 + (duration.hours ?? 0) * 3600 + (duration.minutes ?? 0) * 60 +
            (duration.seconds ?? 0)) * 1000 + (duration.milliseconds ?? 0)
        : NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new TypeError('a duration is {days?, hours?, minutes?, seconds?, milliseconds?} or seconds, 0 or more');
  }
  return ms;
}

/** A history as GetDurableExecutionHistory JSON text (`{"Events": [...]}`): from an object
 * (`{Events}`, Dates allowed), an array of events, a TestResult, JSON text or a file's path. */
function historyText(history) {
  let text;
  if (typeof history === 'string' && /^\s*[[{]/.test(history)) {
    text = history;
  } else if (typeof history === 'string' || history instanceof URL) {
    try {
      text = readFileSync(history, 'utf8');
    } catch (e) {
      throw new DuraboxError('InvalidInput', `not a history (JSON text) nor a history file: ${String(history).slice(0, 80)} (${e.code ?? e.message})`);
    }
  } else if (history instanceof TestResult) {
    text = JSON.stringify({ Events: history._document.Events });
  } else if (typeof history === 'object' && history !== null) {
    text = JSON.stringify(history);
  } else {
    throw new TypeError('a history is {Events: [...]}, an array of events, a TestResult, JSON text or a path');
  }
  return /^\s*\[/.test(text) ? `{"Events": ${text}}` : text;
}

/** The session's replay report in Node's style. */
function replayResult(report) {
  const d = report.divergence;
  return {
    reproduced: report.reproduced,
    divergence: d
      ? { position: d.position ?? undefined, id: d.id ?? undefined, name: d.name ?? undefined, expected: d.expected, got: d.got }
      : undefined,
    recordedOperations: report.recorded_operations,
    reproducedOperations: report.reproduced_operations,
    finished: report.finished,
    continuedAt: report.continued_at ?? undefined,
  };
}

/** The session's chaos report in Node's style. */
function chaosResult(report) {
  const points = report.points.map(({ index, after, differences }) => ({ index, after, differences }));
  return {
    allSame: report.all_same,
    checkpoints: report.checkpoints,
    points,
    changed: points.filter((p) => p.differences.length > 0),
  };
}

/** A history event with its timestamp as a Date (as @aws-sdk/client-lambda gives it). */
function event(raw) {
  const e = { ...raw };
  if (e.EventTimestamp !== undefined) e.EventTimestamp = new Date(e.EventTimestamp);
  return e;
}

/** One operation of an execution: AWS's `DurableOperation`, over durabox's snapshots. */
export class DurableOperation {
  constructor(runner, find) {
    this._runner = runner;
    this._find = find; // (operations) => raw operation | undefined
  }

  _data() {
    const document = this._runner._document;
    return document ? this._find(document.Operations.filter((o) => o.Type !== 'EXECUTION')) : undefined;
  }

  /** Resolves once the operation exists (STARTED), its callback can be answered (SUBMITTED), or it ended (COMPLETED). */
  async waitForData(status = WaitingOperationStatus.STARTED) {
    for (;;) {
      const arn = this._runner._arn;
      if (arn) {
        await this._runner._refresh();
        const op = this._data();
        if (op && this._reached(op, status)) {
          if (status !== WaitingOperationStatus.COMPLETED && this._callbackOf(op)) {
            // A callback can be answered once the invocation that created it ended.
            await this._runner._session.call('wait_for_callback', { arn, timeout: 60 }).catch(() => undefined);
            await this._runner._refresh();
          }
          return this;
        }
        if (this._runner._ended()) throw new DuraboxError('Error', 'the execution ended before the operation got there');
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  _reached(op, status) {
    if (status === WaitingOperationStatus.COMPLETED) return ENDED.has(op.Status);
    return true;
  }

  /** The CALLBACK operation behind this one (itself, or a waitForCallback's inner callback). */
  _callbackOf(op) {
    if (op.Type === 'CALLBACK') return op;
    const all = this._runner._document?.Operations ?? [];
    return all.find((o) => o.ParentId === op.Id && o.Type === 'CALLBACK');
  }

  getOperationData() {
    return this._data();
  }

  getId() {
    return this._data()?.Id;
  }

  getParentId() {
    return this._data()?.ParentId;
  }

  getName() {
    return this._data()?.Name;
  }

  getType() {
    return this._data()?.Type;
  }

  getSubType() {
    return this._data()?.SubType;
  }

  getStatus() {
    return this._data()?.Status;
  }

  getStartTimestamp() {
    return date(this._data()?.StartTimestamp);
  }

  getEndTimestamp() {
    return date(this._data()?.EndTimestamp);
  }

  isCallback() {
    return this.getType() === 'CALLBACK';
  }

  isWaitForCallback() {
    return this.getType() === 'CONTEXT' && this.getSubType() === 'WaitForCallback';
  }

  getStepDetails() {
    const d = this._data()?.StepDetails;
    if (!d) return undefined;
    return {
      attempt: d.Attempt,
      nextAttemptTimestamp: date(d.NextAttemptTimestamp),
      result: parsed(d.Result),
      error: testError(d.Error),
    };
  }

  getContextDetails() {
    const d = this._data()?.ContextDetails;
    if (!d) return undefined;
    return { result: parsed(d.Result), error: testError(d.Error) };
  }

  getCallbackDetails() {
    const op = this._data();
    const d = op && this._callbackOf(op)?.CallbackDetails;
    if (!d) return undefined;
    return { callbackId: d.CallbackId, result: parsed(d.Result), error: testError(d.Error) };
  }

  getChainedInvokeDetails() {
    const d = this._data()?.ChainedInvokeDetails;
    if (!d) return undefined;
    return { result: parsed(d.Result), error: testError(d.Error) };
  }

  getWaitDetails() {
    const op = this._data();
    const d = op?.WaitDetails;
    if (!d) return undefined;
    const started = this.getEvents()?.find((e) => e.EventType === 'WaitStarted');
    return {
      waitSeconds: started?.WaitStartedDetails?.Duration,
      scheduledEndTimestamp: date(d.ScheduledEndTimestamp),
    };
  }

  getChildOperations() {
    const op = this._data();
    if (!op) return undefined;
    const all = this._runner._document.Operations;
    return all
      .filter((o) => o.ParentId === op.Id)
      .map((child) => new DurableOperation(this._runner, (ops) => ops.find((o) => o.Id === child.Id)));
  }

  getEvents() {
    const id = this.getId();
    if (!id) return undefined;
    return this._runner._document.Events.filter((e) => e.Id === id).map(event);
  }

  _callbackId() {
    const id = this.getCallbackDetails()?.callbackId;
    if (!id) throw new DuraboxError('InvalidInput', `operation ${this.getName() ?? '?'} has no pending callback`);
    return id;
  }

  async sendCallbackSuccess(result) {
    await this._runner._session.call('send_callback_success', { callback_id: this._callbackId(), result });
    return {};
  }

  async sendCallbackFailure(error) {
    await this._runner._session.call('send_callback_failure', { callback_id: this._callbackId(), error });
    return {};
  }

  async sendCallbackHeartbeat() {
    await this._runner._session.call('send_callback_heartbeat', { callback_id: this._callbackId() });
    return {};
  }
}

/** An execution's outcome: AWS's `TestResult`. */
export class TestResult {
  constructor(runner, document) {
    this._runner = runner;
    this._document = document;
  }

  getStatus() {
    return this._document.Execution.Status;
  }

  getResult() {
    return parsed(this._document.Execution.Result);
  }

  getError() {
    return testError(this._document.Execution.Error) ?? {
      errorMessage: undefined,
      errorType: undefined,
      errorData: undefined,
      stackTrace: undefined,
    };
  }

  getHistoryEvents() {
    return this._document.Events.map(event);
  }

  /** Every operation (nested ones included), optionally only those of `status`. */
  getOperations(params) {
    return this._document.Operations.filter((o) => o.Type !== 'EXECUTION')
      .filter((o) => !params?.status || o.Status === params.status)
      .map((o) => new DurableOperation(this._runner, (ops) => ops.find((x) => x.Id === o.Id)));
  }

  getInvocations() {
    const completed = this._document.Events.filter((e) => e.EventType === 'InvocationCompleted');
    return this._document.Invocations.map((invocation, i) => {
      const details = completed[i]?.InvocationCompletedDetails;
      return {
        startTimestamp: date(details?.StartTimestamp),
        endTimestamp: date(details?.EndTimestamp),
        requestId: invocation.request_id,
        error: testError(invocation.error),
        logs: invocation.logs,
      };
    });
  }

  print() {
    for (const op of this._document.Operations.filter((o) => o.Type !== 'EXECUTION')) {
      console.log(`${op.Name ?? '-'}\t${op.Type}\t${op.SubType ?? '-'}\t${op.Status}`);
    }
  }
}

/** AWS's `LocalDurableTestRunner`, running the handler in durabox (see the top of this file). */
export class LocalDurableTestRunner {
  /** `skipTime` (default true); `fireCallbackTimeouts` lets skipped time reach callback timeouts. */
  static async setupTestEnvironment(options = {}) {
    environment = {
      skipTime: options.skipTime ?? true,
      fireCallbackTimeouts: options.fireCallbackTimeouts ?? false,
    };
  }

  static async teardownTestEnvironment() {
    for (const session of openSessions) session.close();
    openSessions.clear();
  }

  /**
   * `handler`: the handler's sources or component (a path); `durabox`: the binary; `env`:
   * the guest's environment; `timeout`: seconds `run` waits; `manualClock`: time stands
   * still until `advance` moves it (instead of being skipped).
   */
  constructor(options = {}) {
    if (!options.handler) {
      throw new TypeError(
        'durabox-testing needs `handler`: the path of the handler sources (.ts/.js, or their folder) ' +
          'or of its component (.wasm); a handler function cannot be run in durabox',
      );
    }
    this._options = options;
    this._functions = [];
    this._stepMocks = new Map();
    this._invokeMocks = new Map();
    this._session = undefined;
    this._started = undefined;
    this._arn = undefined;
    this._document = undefined;
  }

  /**
   * Answers the step `name` (anywhere, or only at the path 'context/inner/step' of its
   * enclosing named child contexts) without running its body: `{ result }` (JSON-serialized;
   * `undefined`: no payload) or `{ error }` (an Error or `{errorType, errorMessage, ...}`; it
   * goes through the step's retry strategy). For executions started afterwards.
   */
  mockStep(name, answer) {
    this._stepMocks.set(name, mock(name, answer));
    return this;
  }

  /** Answers chained invokes of `functionName` at once (as `mockStep`, without retries); the
   * function need not be registered. */
  mockInvoke(functionName, answer) {
    this._invokeMocks.set(functionName, mock(functionName, answer));
    return this;
  }

  /** Forgets every mock (for executions started afterwards). */
  clearMocks() {
    this._stepMocks.clear();
    this._invokeMocks.clear();
    return this;
  }

  /** Lets `context.invoke(name, ...)` run `handler` (a path, as for the runner) as its own execution. */
  registerDurableFunction(name, handler) {
    this._functions.push({ name, handler });
    this._session?.call('register_function', { name, handler });
    return this;
  }

  registerFunction(name, handler) {
    return this.registerDurableFunction(name, handler);
  }

  getOperation(name) {
    return new DurableOperation(this, (ops) => ops.find((o) => o.Name === name));
  }

  getOperationByIndex(index) {
    return new DurableOperation(this, (ops) => ops[index]);
  }

  getOperationByNameAndIndex(name, index) {
    return new DurableOperation(this, (ops) => ops.filter((o) => o.Name === name)[index]);
  }

  getOperationById(id) {
    return new DurableOperation(this, (ops) => ops.find((o) => o.Id === id));
  }

  /** Runs the handler with `payload` (JSON-serialized) until the execution ends. With a
   * manual clock, move time meanwhile with `advance` (do not await `run` first). */
  async run(params = {}) {
    this._document = undefined;
    this._arn = undefined;
    this._started = this._start(params);
    const arn = await this._started;
    const timeout = this._options.timeout ?? 900;
    if (!(await this._session.call('wait', { arn, timeout }))) {
      throw new DuraboxError('Timeout', `the execution did not end within ${timeout} s`);
    }
    await this._refresh();
    return new TestResult(this, this._document);
  }

  /**
   * Resolves, with the current execution's TestResult, once nothing more happens by itself:
   * the execution ended, or it waits for time to move (with a manual clock) or a callback.
   */
  async runUntilIdle(params = {}) {
    const arn = await this._current();
    const timeout = params.timeout ?? 60;
    this._document = await this._session.call('run_until_idle', { arn, timeout });
    return new TestResult(this, this._document);
  }

  /**
   * With `manualClock: true`: moves the current execution's clock on by `duration`
   * (`{days?, hours?, minutes?, seconds?, milliseconds?}` or seconds), firing each timer due
   * on the way at its own instant with the handler run in between; resolves with the
   * TestResult once the execution is idle again.
   */
  async advance(duration, params = {}) {
    const seconds = millis(duration) / 1000;
    const arn = await this._current();
    const timeout = params.timeout ?? 60;
    this._document = await this._session.call('advance', { arn, seconds, timeout });
    return new TestResult(this, this._document);
  }

  /**
   * The replay gate: re-runs the handler against `history`, an execution recorded anywhere
   * (AWS, its testing runners, the AWS SDK or CLI, durabox), without running the step bodies
   * it recorded. `history`: `{Events: [...]}` (GetDurableExecutionHistory; Dates allowed), an
   * array of events (`result.getHistoryEvents()`), a TestResult, JSON text, or a file's path.
   * `payload` overrides the recorded input (for a history fetched without execution data).
   * Resolves with `{reproduced, divergence, recordedOperations, reproducedOperations,
   * finished, continuedAt}`; `divergence` (undefined when reproduced) is `{position, id,
   * name, expected, got}`: the first operation (1-based, in start order; none when the
   * execution's end differs) where the code did not do what the history recorded.
   */
  async replay(history, params = {}) {
    const text = historyText(history);
    const session = await this._open();
    const input = params.payload === undefined ? undefined : JSON.stringify(params.payload);
    return replayResult(await session.call('replay', { history: text, input }));
  }

  /**
   * Crash testing: runs the handler with `payload` uninterrupted, then once per checkpoint
   * with the invocation crashing right after it, and compares each outcome (status, result,
   * error, every operation's end) with the uninterrupted one. The mocks apply; time is
   * skipped (never a manual clock); `timeout`: seconds each run may take. Resolves with
   * `{allSame, checkpoints, points: [{index, after, differences}], changed}` (`changed`: the
   * points whose outcome differs).
   */
  async chaos(params = {}) {
    const session = await this._open();
    const input = params.payload === undefined ? '{}' : JSON.stringify(params.payload);
    const timeout = params.timeout ?? this._options.timeout ?? 900;
    return chaosResult(await session.call('chaos', { input, mocks: this._mocks(), timeout }));
  }

  async _start(params) {
    const session = await this._open();
    const input = params.payload === undefined ? '{}' : JSON.stringify(params.payload);
    const manual_clock = Boolean(this._options.manualClock);
    this._arn = await session.call('start', { input, manual_clock, mocks: this._mocks() });
    return this._arn;
  }

  _mocks() {
    return { steps: [...this._stepMocks.values()], invokes: [...this._invokeMocks.values()] };
  }

  async _current() {
    if (!this._started) throw new DuraboxError('InvalidInput', 'no execution yet: call run() first');
    return this._started;
  }

  async _open() {
    if (!this._session) {
      this._session = await Session.open({
        handler: this._options.handler,
        durabox: this._options.durabox ?? process.env.DURABOX_BIN ?? 'durabox',
        skipTime: environment.skipTime,
        fireCallbackTimeouts: environment.fireCallbackTimeouts,
        env: this._options.env,
      });
      openSessions.add(this._session);
      for (const { name, handler } of this._functions) {
        await this._session.call('register_function', { name, handler });
      }
    }
    return this._session;
  }

  async _refresh() {
    if (this._arn) this._document = await this._session.call('snapshot', { arn: this._arn });
  }

  _ended() {
    const status = this._document?.Execution?.Status;
    return status !== undefined && status !== 'RUNNING';
  }
}
