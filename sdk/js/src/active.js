// AWS's context-usage check (`validateContextUsage`) on a runtime without AsyncLocalStorage,
// as AWS's SDK does there: the context whose code runs synchronously now ('root', a child
// context's or branch's plain step id, or a step's own id while its body runs). It is
// forgotten at the code's first suspension, so only synchronous misuse is caught.

let active;

/** Runs `fn()` with `contextId` as the active context. */
export function withActive(contextId, fn) {
  const previous = active;
  active = contextId;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/**
 * The error AWS's SDK terminates the invocation with when an operation of the context
 * `prefix` (undefined: the root) is called while another context's code runs; undefined
 * when the call is fine.
 */
export function contextUsageError(prefix, operation) {
  if (active === undefined || active === (prefix ?? 'root')) return undefined;
  return new Error(
    `Context usage error in "${operation}": You are using a parent or sibling context instead of ` +
      `the current child context. Expected context ID: "${active}", but got: "${prefix}". When inside ` +
      'runInChildContext(), you must use the child context parameter, not the parent context.',
  );
}
