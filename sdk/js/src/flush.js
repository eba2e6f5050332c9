// When checkpoints are acknowledged, as AWS's JS SDK experiences it. Host calls record at
// once, but AWS's SDK queues its checkpoints and sends them in batches once the current
// microtasks have run (setImmediate); whoever awaits a checkpoint resumes when its batch
// comes back. Resolving awaited acknowledgements together at the next macrotask keeps the
// interleaving of concurrent operations (so the order of events) AWS's.

let waiting = [];
let scheduled = false;
let idleWaiters = [];

function schedule() {
  if (scheduled) return;
  scheduled = true;
  setTimeout(flush, 0);
}

function flush() {
  scheduled = false;
  const batch = waiting;
  waiting = [];
  for (const resolve of batch) resolve();
  if (batch.length > 0) {
    schedule();
    return;
  }
  // A flush with nothing to acknowledge: every microtask ran and nothing awaits a
  // checkpoint, so no operation can progress in this invocation.
  const idle = idleWaiters;
  idleWaiters = [];
  for (const resolve of idle) resolve();
}

/** Resolves when the checkpoint just recorded is acknowledged (the next batch). */
export function acknowledged() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

/** Resolves once no operation can progress (see `flush`). */
export function idle() {
  return new Promise((resolve) => {
    idleWaiters.push(resolve);
    schedule();
  });
}

/** A promise that never settles: an operation parked until the invocation ends (AWS's termination). */
export function never() {
  return new Promise(() => {});
}
