// The cases of handlers.mjs, their durabox side, and the comparison with AWS's side
// (aws-runner.mjs, run in its own process: AWS's runner installs fake timers).
//
//   durabox: `durabox run COMPONENT --input JSON --json`, or, for cases with callbacks, an
//            execution on `durabox serve --skip-time` driven with the AWS SDK for JS
//            (@aws-sdk/client-lambda), callbacks answered with SendDurableExecutionCallback*.
//
// See README.md for what is compared and what is normalized away.

import { execFile, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../../..');
export const durabox = process.env.DURABOX_BIN ?? resolve(root, 'target/debug/durabox');
export const component = process.env.DIFFERENTIAL_JS_COMPONENT ?? resolve(root, 'target/differential/js.wasm');

/** The function name the component is registered under (chained invokes call it). */
export const FUNCTION = 'diff';

// ---------------------------------------------------------------------------------------
// The cases: input (besides `case`) and the callbacks the test answers, in order.
// `answer` is {success: <JSON value>} or {failure: {ErrorType, ErrorMessage}}; `op` is
// the name of the createCallback / waitForCallback operation. Both runners answer a
// callback once the invocation that started it has ended (the handler suspended).

export const CASES = {
  steps_json_types: { input: { value: [1, { a: null }, 'x'] } },
  step_undefined: {},
  steps_unnamed: {},
  step_retry_succeeds: {},
  step_retry_exhausted: {},
  step_retry_caught: {},
  step_retry_linear_preset: {},
  step_no_retry_preset: {},
  step_retryable_errors: {},
  step_custom_retry_fn: {},
  step_at_most_once: {},
  step_custom_error_uncaught: {},
  handler_throws: {},
  wait_basic: {},
  wait_between_steps: {},
  child_nested: {},
  child_failing_caught: {},
  child_failing_uncaught: {},
  wait_for_condition: {},
  wait_for_condition_strategy: {},
  callback_succeeds: { callbacks: [{ op: 'approval', answer: { success: { approved: true, by: 'ops' } } }] },
  callback_fails: {
    callbacks: [{ op: 'approval', answer: { failure: { ErrorType: 'Rejected', ErrorMessage: 'no way' } } }],
  },
  wait_for_callback: {
    callbacks: [{ op: 'external', waitForCallback: true, answer: { success: 'external answer' } }],
  },
  wait_for_callback_fails: {
    callbacks: [
      {
        op: 'external',
        waitForCallback: true,
        answer: { failure: { ErrorType: 'ExternalError', ErrorMessage: 'it broke' } },
      },
    ],
  },
  map_basic: {},
  map_tolerated_failure: {},
  map_failure_exceeded: {},
  map_min_successful: {},
  map_with_waits: {},
  parallel_basic: {},
  parallel_failure_throw: {},
  parallel_min_successful: {},
  promise_all: {},
  promise_any_race: {},
  promise_all_settled: {},
  promise_all_rejects: {},
  steps_in_promise_all: {},
  parallel_fail_fast_with_wait: {},
  caught_wait: {},
  unawaited_wait: {},
  retry_in_branch: {},
  child_uses_parent: {},
  step_uses_context: {},
  invoke_success: {},
  invoke_failure: {},
  invoke_target: { input: { n: 5 } },
  invoke_target_fails: {},
  logging: {},
};

export const inputOf = (name) => ({ case: name, ...(CASES[name].input ?? {}) });

// ---------------------------------------------------------------------------------------
// durabox

const execFileAsync = promisify(execFile);

function fromDurabox(executionView, events) {
  const error = executionView.Error;
  let result = null;
  if (executionView.Status === 'SUCCEEDED' && executionView.Result != null && executionView.Result !== '') {
    result = JSON.parse(executionView.Result);
  }
  return {
    status: executionView.Status,
    result,
    error: error ? { type: error.ErrorType ?? null, message: error.ErrorMessage ?? null } : null,
    events,
  };
}

/** `durabox run COMPONENT --input JSON --json` (no callbacks). */
export async function runDurabox(name) {
  const { stdout } = await execFileAsync(
    durabox,
    ['run', component, '--input', JSON.stringify(inputOf(name)), '--json', '--function', `${FUNCTION}=${component}`],
    { maxBuffer: 64 * 1024 * 1024 },
  ).catch((failure) => {
    // exit status 1 when the execution did not succeed: the JSON is still on stdout
    if (failure.stdout) return failure;
    throw failure;
  });
  const { Execution, Events } = JSON.parse(stdout);
  return fromDurabox(Execution, Events);
}

/** A `durabox serve --skip-time` with the component as `diff`; `stop()` ends it. */
export async function startServer() {
  const child = spawn(durabox, ['serve', '--skip-time', '--port', '0', '--function', `${FUNCTION}=${component}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const endpoint = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`durabox serve did not start:\n${log}`)), 120_000);
    const onData = (chunk) => {
      log += chunk;
      const match = /durabox listening on (http:\/\/\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`durabox serve exited (${code}):\n${log}`));
    });
  });
  child.removeAllListeners('exit');
  const client = new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'differential', secretAccessKey: 'differential' },
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    stop: () =>
      new Promise((done) => {
        client.destroy();
        if (child.exitCode !== null) return done();
        child.on('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function historyOf(client, arn) {
  const events = [];
  let Marker;
  do {
    const page = await client.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true, Marker }),
    );
    events.push(...(page.Events ?? []));
    Marker = page.NextMarker || undefined;
  } while (Marker);
  return JSON.parse(JSON.stringify(events));
}

/** The CallbackStarted event of operation `op` (by name, or inside the context named `op`). */
function callbackStarted(events, op, answered) {
  const contexts = new Set(events.filter((e) => e.EventType === 'ContextStarted' && e.Name === op).map((e) => e.Id));
  return events.find(
    (e) =>
      e.EventType === 'CallbackStarted' &&
      (e.Name === op || contexts.has(e.ParentId)) &&
      !answered.has(e.CallbackStartedDetails?.CallbackId),
  );
}

/** Runs a case with callbacks on a `durabox serve` (from startServer). */
export async function runDuraboxServed(server, name) {
  const { client } = server;
  const invoked = await client.send(
    new InvokeCommand({ FunctionName: FUNCTION, InvocationType: 'Event', Payload: JSON.stringify(inputOf(name)) }),
  );
  const arn = invoked.DurableExecutionArn;
  const answered = new Set();
  for (const { op, answer } of CASES[name].callbacks ?? []) {
    let started;
    for (let i = 0; i < 600 && !started; i++) {
      const events = await historyOf(client, arn);
      const found = callbackStarted(events, op, answered);
      // answer once the invocation that started the callback has ended (suspended)
      if (found && events.some((e) => e.EventType === 'InvocationCompleted' && e.EventId > found.EventId)) started = found;
      else await sleep(50);
    }
    if (!started) throw new Error(`${name}: callback ${op} never started on durabox`);
    const CallbackId = started.CallbackStartedDetails.CallbackId;
    answered.add(CallbackId);
    if ('success' in answer) {
      await client.send(
        new SendDurableExecutionCallbackSuccessCommand({
          CallbackId,
          Result: new TextEncoder().encode(JSON.stringify(answer.success)),
        }),
      );
    } else {
      await client.send(new SendDurableExecutionCallbackFailureCommand({ CallbackId, Error: answer.failure }));
    }
  }
  let execution;
  for (let i = 0; i < 1200; i++) {
    execution = await client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    if (execution.Status !== 'RUNNING') break;
    await sleep(50);
  }
  return fromDurabox(execution, await historyOf(client, arn));
}

// ---------------------------------------------------------------------------------------
// Normalization and comparison

const EXECUTION_EVENTS = /^Execution/;

/** Drops `stack` members: AWS's SDK serializes an Error with its (machine-specific) stack. */
function withoutStacks(value) {
  if (Array.isArray(value)) return value.map(withoutStacks);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'stack').map(([k, v]) => [k, withoutStacks(v)]));
  }
  return value;
}

function parsePayload(payload) {
  if (payload === undefined || payload === null) return payload;
  try {
    return withoutStacks(JSON.parse(payload));
  } catch {
    return { unparsed: payload };
  }
}

function normalizeError(wrapper) {
  const payload = wrapper?.Payload ?? wrapper;
  if (!payload) return payload;
  const out = { ErrorType: payload.ErrorType ?? null, ErrorMessage: payload.ErrorMessage ?? null };
  if (payload.ErrorData !== undefined && payload.ErrorData !== null) out.ErrorData = payload.ErrorData;
  return out;
}

/** Detail fields never compared: timestamps, request ids, ARNs, callback ids (random per run). */
const DROPPED_DETAIL_FIELDS = new Set([
  'ScheduledEndTimestamp',
  'StartTimestamp',
  'EndTimestamp',
  'RequestId',
  'CallbackId',
  'DurableExecutionArn',
  'Truncated',
]);

function normalizeDetails(details) {
  const out = {};
  for (const [key, value] of Object.entries(details ?? {})) {
    if (DROPPED_DETAIL_FIELDS.has(key)) continue;
    if (key === 'Input' || key === 'Result') {
      if (value && value.Payload !== undefined) out[key] = parsePayload(value.Payload);
    } else if (key === 'Error') {
      const error = normalizeError(value);
      if (error && (error.ErrorType !== null || error.ErrorMessage !== null)) out[key] = error;
    } else if (key === 'RetryDetails') {
      const retry = {};
      if (value?.CurrentAttempt !== undefined) retry.CurrentAttempt = value.CurrentAttempt;
      if (value?.NextAttemptDelaySeconds !== undefined) retry.NextAttemptDelaySeconds = value.NextAttemptDelaySeconds;
      out[key] = retry;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** One event as compared: ids/names/ARNs of the execution and all timestamps left out. */
export function normalizeEvent(event) {
  const out = { EventType: event.EventType };
  const executionLevel = EXECUTION_EVENTS.test(event.EventType) || event.EventType === 'InvocationCompleted';
  for (const key of ['SubType', 'Name', 'Id', 'ParentId']) {
    if (executionLevel && (key === 'Name' || key === 'Id')) continue;
    if (event[key] !== undefined && event[key] !== null) out[key] = event[key];
  }
  const detailsKey = Object.keys(event).find((k) => k.endsWith('Details'));
  if (detailsKey) out[detailsKey] = normalizeDetails(event[detailsKey]);
  return out;
}

/**
 * Artifacts of AWS's LocalDurableTestRunner (1.1.4), not of the SDK or the service; each is
 * neutralized only where AWS's event shows the artifact:
 *
 * - RetryDetails.CurrentAttempt is never compared: the runner's checkpoint server fills it
 *   from the operation's Attempt *before* the update (checkpoint-server/index.mjs, the
 *   FAIL-STEP / SUCCEED-STEP event details), so it is absent on a first success and lags
 *   by one after a retry (the service records 1, 2, ... and 2 on a success after one retry).
 * - Detail fields the runner leaves out although the service records them
 *   (/work/shared/reference/aws-durable-semantics.md §6.5): when AWS's event lacks one and
 *   durabox's has it, it is not compared (listed in RUNNER_GAPS, paths under the Details).
 * - ChainedInvokeStarted: the runner writes FunctionName "" and Input "" ("TODO: populate
 *   the fields" in its checkpoint server); those two are not compared when AWS's are "".
 */
export const RUNNER_GAPS = {
  ExecutionStarted: ['ExecutionTimeout'],
  StepSucceeded: ['RetryDetails.NextAttemptDelaySeconds'],
  StepFailed: ['RetryDetails.NextAttemptDelaySeconds'],
  CallbackStarted: ['Timeout', 'HeartbeatTimeout'],
  ChainedInvokeStarted: ['ExecutedVersion'],
};

function dropPath(details, path) {
  const parts = path.split('.');
  let node = details;
  for (const part of parts.slice(0, -1)) {
    node = node?.[part];
    if (!node || typeof node !== 'object') return;
  }
  delete node[parts[parts.length - 1]];
}
function hasPath(details, path) {
  let node = details;
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object' || !(part in node)) return false;
    node = node[part];
  }
  return true;
}

/** AWS's and durabox's normalized events with the runner's artifacts neutralized. */
function withoutRunnerArtifacts(aws, box) {
  const a = structuredClone(aws);
  const b = structuredClone(box);
  for (const event of [a, b]) {
    const details = event[`${event.EventType}Details`];
    if (details?.RetryDetails) delete details.RetryDetails.CurrentAttempt;
  }
  if (a.EventType !== b.EventType) return [a, b];
  const key = `${a.EventType}Details`;
  const ad = a[key];
  const bd = b[key];
  if (!ad || !bd) return [a, b];
  for (const path of RUNNER_GAPS[a.EventType] ?? []) {
    if (!hasPath(ad, path)) dropPath(bd, path);
  }
  if (a.EventType === 'ChainedInvokeStarted') {
    if (ad.FunctionName === '') {
      delete ad.FunctionName;
      delete bd.FunctionName;
    }
    if (ad.Input && ad.Input.unparsed === '') {
      delete ad.Input;
      delete bd.Input;
    }
  }
  return [a, b];
}

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical(value[k])]),
    );
  }
  return value;
}
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * Compares an AWS run with a durabox run. Returns {match, differences, interleavingOnly,
 * invocations}: each difference is {what, expected, got} (expected = AWS's, got =
 * durabox's); `interleavingOnly` is true when the operation events differ only in how the
 * events of different operations interleave (each operation's own events are the same).
 *
 * The operation events (everything but InvocationCompleted) are compared in order. The
 * InvocationCompleted events are reported (`invocations`) but not compared: how many
 * invocations an execution takes depends on the runner's clock. With skipTime, AWS's
 * runner advances the fake timers the SDK's in-process retry / wait polling uses, so the
 * SDK resumes within the same invocation where the service (and durabox) would see it
 * suspend after its 20 ms termination cooldown; and the runner records the handler's
 * FAILED output as InvocationCompleted.Error, which the service records only for crashes.
 */
export function compare(aws, box) {
  const differences = [];
  if (aws.status !== box.status) differences.push({ what: 'status', expected: aws.status, got: box.status });
  if (!same(aws.result, box.result)) differences.push({ what: 'result', expected: aws.result, got: box.result });
  if (!same(aws.error, box.error)) differences.push({ what: 'error', expected: aws.error, got: box.error });

  const ops = (events) => events.filter((e) => e.EventType !== 'InvocationCompleted').map(normalizeEvent);
  const awsOps = ops(aws.events);
  const boxOps = ops(box.events);
  const pairs = [];
  const n = Math.max(awsOps.length, boxOps.length);
  let firstDiff = -1;
  for (let i = 0; i < n; i++) {
    let expected = awsOps[i] ?? null;
    let got = boxOps[i] ?? null;
    if (expected && got) [expected, got] = withoutRunnerArtifacts(expected, got);
    pairs.push([expected, got]);
    if (firstDiff < 0 && !same(expected, got)) {
      firstDiff = i;
      differences.push({
        what: `event ${i + 1} of ${awsOps.length} (operation events; durabox has ${boxOps.length})`,
        expected,
        got,
      });
    }
  }
  let interleavingOnly = false;
  if (firstDiff >= 0) {
    // Each operation's own event sequence (artifacts neutralized pairwise): the first
    // operation whose events differ, else the histories differ only in interleaving.
    const byId = (list) => {
      const m = new Map();
      for (const e of list) {
        const k = e.Id ?? e.EventType;
        if (!m.has(k)) m.set(k, []);
        m.get(k).push(e);
      }
      return m;
    };
    const a = byId(awsOps);
    const b = byId(boxOps);
    const ids = [...new Set([...a.keys(), ...b.keys()])];
    let operationDiff = null;
    for (const id of ids) {
      const x = a.get(id) ?? [];
      const y = b.get(id) ?? [];
      for (let i = 0; i < Math.max(x.length, y.length) && !operationDiff; i++) {
        let [p, q] = [x[i] ?? null, y[i] ?? null];
        if (p && q) [p, q] = withoutRunnerArtifacts(p, q);
        if (!same(p, q)) {
          const name = (x[0] ?? y[0])?.Name;
          operationDiff = {
            what: `operation ${id}${name ? ` (${name})` : ''}, its event ${i + 1} (${x.length} on AWS, ${y.length} on durabox)`,
            expected: p,
            got: q,
          };
        }
      }
      if (operationDiff) break;
    }
    if (operationDiff) differences.push(operationDiff);
    else interleavingOnly = true;
  }
  const invocations = (events) =>
    events.filter((e) => e.EventType === 'InvocationCompleted').map((e) => normalizeEvent(e).InvocationCompletedDetails);
  return {
    match: differences.length === 0,
    differences,
    interleavingOnly,
    invocations: { aws: invocations(aws.events), durabox: invocations(box.events) },
  };
}

/**
 * Runs the named cases on durabox: `durabox run` for cases without callbacks (two at a
 * time), one `durabox serve --skip-time` for the cases with callbacks. Returns
 * {"<case>": {status, result, error, events} | {runnerError}}.
 */
export async function runAllDurabox(names) {
  const out = {};
  const plain = names.filter((n) => !CASES[n].callbacks);
  const served = names.filter((n) => CASES[n].callbacks);
  const queue = [...plain];
  const worker = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      try {
        out[name] = await runDurabox(name);
      } catch (error) {
        out[name] = { runnerError: String(error?.stack ?? error) };
      }
    }
  };
  const servedRun = async () => {
    if (!served.length) return;
    const server = await startServer();
    try {
      for (const name of served) {
        try {
          out[name] = await runDuraboxServed(server, name);
        } catch (error) {
          out[name] = { runnerError: String(error?.stack ?? error) };
        }
      }
    } finally {
      await server.stop();
    }
  };
  await Promise.all([worker(), worker(), servedRun()]);
  return out;
}
