// The benchmark workloads of tests/bench/official.py, written with AWS's durable execution
// SDK for JavaScript (@aws/durable-execution-sdk-js) and run by AWS's JS testing runner
// (LocalDurableTestRunner from @aws/durable-execution-sdk-js-testing, skipTime): the second
// anchor of `cargo xtask bench`.
//
// It runs from the folder its packages are installed in (`cargo xtask bench` runs `npm ci`
// from this folder's package.json / package-lock.json into target/bench-js, and
// host/examples/bench copies this file there before starting it), so that its imports
// resolve to those packages:
//
//   node target/bench-js/official.mjs --serve
//
// `--serve`: the protocol of official.py. Prints one JSON line `{"ready": true, "node": ...,
// "sdk": ..., "testing": ...}`, then reads workload names, one a line, on stdin and answers
// each with one JSON line: `{"wall_ms": ..., "cpu_ms": ...}` for one execution, or
// `{"error": "..."}` when the runner could not run it (the process goes on serving).
// `cpu_ms` is the process's CPU time (`process.cpuUsage()`, user + system, every thread:
// the runner's checkpoint server is a worker thread of this process) during the execution;
// wall minus CPU is the time the runner spends idle (its own timers: a 100 ms real timer at
// the end of every execution, setImmediate hops and 20 ms ticks of its fake clock,
// setTimeout(0) per checkpoint in the checkpoint worker).
//
// Without `--serve`: a standalone run printing the medians per workload (`--quick`: fewer).
//
// One LocalDurableTestRunner per execution, made before the clock starts (a runner keeps
// every operation it has seen, so a reused one grows from execution to execution); the
// test environment (fake timers, the checkpoint worker) is set up once for the process.

import { readFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';

// The real clocks, kept before setupTestEnvironment installs fake timers (it fakes Date,
// performance and process.hrtime, not process.cpuUsage).
const monotonicNs = process.hrtime.bigint;
const cpuUsage = process.cpuUsage;

// stdout carries the protocol: anything a handler or the runner logs goes to stderr.
for (const level of ['log', 'info', 'debug']) console[level] = console.error;
const answer = (value) => writeSync(1, `${JSON.stringify(value)}\n`);

/** The seed quickstart: step, wait, child context with two steps, step. */
const quickstart = withDurableExecution(async (event, context) => {
  const one = await context.step('one', async () => '1 2');
  await context.wait({ seconds: 1 });
  const two = await context.runInChildContext('two', async (child) => {
    const a = await child.step('two_1', async () => '3 4');
    const b = await child.step('two_2', async () => '4 3');
    return `${a} ${b}`;
  });
  const three = await context.step('three', async () => '5 6');
  return [one, two, three];
});

/** Returns at once: one invocation, no operation. */
const empty = withDurableExecution(async () => 'done');

/** `n` sequential steps; with `waits` > 0, a 1 s wait after every n/waits steps. */
const steps = withDurableExecution(async (event, context) => {
  const n = Number(event?.n ?? 0);
  const waits = Number(event?.waits ?? 0);
  const every = waits ? Math.floor(n / waits) : 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += await context.step(`step-${i}`, async () => i);
    if (every && (i + 1) % every === 0) {
      await context.wait(`wait-${(i + 1) / every}`, { seconds: 1 });
    }
  }
  return total;
});

/** A map over `n` items, each branch doubling its item. */
const mapItems = withDurableExecution(async (event, context) => {
  const items = Array.from({ length: Number(event?.n ?? 0) }, (_, i) => i);
  const batch = await context.map('map', items, async (_ctx, item) => item * 2);
  return batch.getResults().reduce((a, b) => a + b, 0);
});

/** name -> [handler, input], as in official.py. */
const WORKLOADS = {
  quickstart: [quickstart, 'input str'],
  empty: [empty, {}],
  steps100: [steps, { n: 100 }],
  steps1000: [steps, { n: 1000 }],
  steps100_waits5: [steps, { n: 100, waits: 5 }],
  map100: [mapItems, { n: 100 }],
  steps5000: [steps, { n: 5000 }],
};

/** One execution of workload `name`: wall and CPU milliseconds. */
async function sample(name) {
  const [handlerFunction, payload] = WORKLOADS[name];
  const runner = new LocalDurableTestRunner({ handlerFunction });
  const cpuStarted = cpuUsage();
  const started = monotonicNs();
  const execution = await runner.run({ payload });
  const wall = Number(monotonicNs() - started) / 1e6;
  const cpu = cpuUsage(cpuStarted);
  const status = execution.getStatus();
  if (status !== 'SUCCEEDED') {
    throw new Error(`${name}: execution ended ${status}: ${JSON.stringify(execution.getError())}`);
  }
  const round3 = (x) => Math.round(x * 1000) / 1000;
  return { wall_ms: round3(wall), cpu_ms: round3((cpu.user + cpu.system) / 1000) };
}

function versionOf(pkg) {
  const file = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return null;
  }
}

async function serve() {
  answer({
    ready: true,
    node: process.versions.node,
    sdk: versionOf('@aws/durable-execution-sdk-js'),
    testing: versionOf('@aws/durable-execution-sdk-js-testing'),
  });
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    const name = line.trim();
    if (!name) continue;
    if (!Object.hasOwn(WORKLOADS, name)) {
      answer({ error: `unknown workload ${name}` });
      continue;
    }
    try {
      answer(await sample(name));
    } catch (error) {
      answer({ error: String(error?.stack ?? error) });
    }
  }
}

async function standalone(quick) {
  // Long workloads run fewer times, as in official.py.
  const plan = {
    quickstart: [3, 7],
    empty: [3, 7],
    steps100: [3, 5],
    steps1000: [1, 3],
    steps100_waits5: [2, 3],
    map100: [2, 3],
    steps5000: [1, 2],
  };
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const out = { repetitions: {}, median_ms: {}, median_cpu_ms: {}, node: process.versions.node };
  for (const [name, [q, full]] of Object.entries(plan)) {
    const reps = quick ? q : full;
    const samples = [];
    for (let i = 0; i < reps; i++) samples.push(await sample(name));
    out.median_ms[name] = median(samples.map((s) => s.wall_ms));
    out.median_cpu_ms[name] = median(samples.map((s) => s.cpu_ms));
    out.repetitions[name] = reps;
    console.error(`official-js ${name}: ${out.median_ms[name].toFixed(1)} ms median of ${reps}`);
  }
  answer(out);
}

const args = process.argv.slice(2);
await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
try {
  if (args.includes('--serve')) await serve();
  else await standalone(args.includes('--quick'));
} finally {
  await LocalDurableTestRunner.teardownTestEnvironment();
}
// The checkpoint worker and the fake clock's interval would keep the process alive.
process.exit(0);
