// AWS `BatchResult`: what map and parallel return.

import { DurableOperationError, childContextError } from './errors.js';

/** Item status names as in the AWS JS SDK. */
export const BatchItemStatus = Object.freeze({ SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', STARTED: 'STARTED' });

const STATUS = { succeeded: 'SUCCEEDED', failed: 'FAILED', started: 'STARTED' };
const REASON = {
  'all-completed': 'ALL_COMPLETED',
  'min-successful-reached': 'MIN_SUCCESSFUL_REACHED',
  'failure-tolerance-exceeded': 'FAILURE_TOLERANCE_EXCEEDED',
  // Only Python's custom predicate gives these; listed so every WIT reason maps.
  'custom-completion-succeeded': 'CUSTOM_COMPLETION_SUCCEEDED',
  'custom-completion-failed': 'CUSTOM_COMPLETION_FAILED',
};

function parse(payload) {
  if (payload === undefined || payload === null || payload === '') return undefined;
  return JSON.parse(payload);
}

/**
 * The started branches in index order (`all`: `{ index, status, result, error }`, where
 * `error` is a ChildContextError carrying the branch's recorded error as its `cause`) and
 * why the batch ended (`completionReason`: ALL_COMPLETED, MIN_SUCCESSFUL_REACHED or
 * FAILURE_TOLERANCE_EXCEEDED).
 */
export class BatchResult {
  constructor(all, completionReason) {
    this.all = all;
    this.completionReason = completionReason;
  }

  /**
   * From the WIT `batch-outcome`; `results[i]` is item i's deserialized result (default:
   * its payload parsed as JSON). Items are shaped as AWS's coordinator builds them (which
   * fixes the key order of the recorded payload): `{ result, index, status }`,
   * `{ error, index, status }` (`error` a ChildContextError carrying the branch's recorded
   * error) or `{ index, status }` for a branch still running.
   */
  static from(outcome, results) {
    const all = outcome.items.map((item, i) => {
      const status = STATUS[item.status];
      if (status === 'SUCCEEDED') return { result: results ? results[i] : parse(item.result), index: item.index, status };
      if (status === 'FAILED') return { error: childContextError(item.error ?? {}), index: item.index, status };
      return { index: item.index, status };
    });
    return new BatchResult(all, REASON[outcome.completionReason]);
  }

  succeeded() {
    return this.all.filter((i) => i.status === 'SUCCEEDED');
  }

  failed() {
    return this.all.filter((i) => i.status === 'FAILED');
  }

  /** Branches still running when the batch completed early. */
  started() {
    return this.all.filter((i) => i.status === 'STARTED');
  }

  /** Results of the succeeded branches, in index order. */
  getResults() {
    return this.succeeded().map((i) => i.result);
  }

  getErrors() {
    return this.failed().map((i) => i.error);
  }

  /** Throws the first failed branch's error (a ChildContextError). */
  throwIfError() {
    const failed = this.all.find((i) => i.status === 'FAILED');
    if (failed) throw failed.error;
  }

  get hasFailure() {
    return this.all.some((i) => i.status === 'FAILED');
  }

  get successCount() {
    return this.succeeded().length;
  }

  get failureCount() {
    return this.failed().length;
  }

  get startedCount() {
    return this.started().length;
  }

  get totalCount() {
    return this.all.length;
  }

  /** SUCCEEDED unless a branch failed. */
  get status() {
    return this.hasFailure ? 'FAILED' : 'SUCCEEDED';
  }
}

// ---- the container's payload, as AWS's `createBatchResultSerdes` writes and reads it ----

/** The durable error types `reconstructBatchError` rebuilds as their own class. */
const KNOWN_DURABLE_ERROR_TYPES = new Set([
  'StepError',
  'CallbackError',
  'CallbackExternalError',
  'CallbackTimeoutError',
  'CallbackSubmitterError',
  'InvokeError',
  'ChildContextError',
  'PromiseCombinatorError',
  'WaitForConditionError',
]);

/** An Error and its `cause` chain as AWS's SerializedBatchError (`{ ErrorType, ErrorMessage, ErrorData, Cause }`). */
export function serializeBatchError(error) {
  if (!error) return undefined;
  const serialized =
    error instanceof DurableOperationError ? error.toErrorObject() : { ErrorType: error.name, ErrorMessage: error.message };
  if (error.cause instanceof Error) serialized.Cause = serializeBatchError(error.cause);
  return serialized;
}

/** A SerializedBatchError back as an Error (a durable error class for the known types), cause chain included. */
export function reconstructBatchError(errorObject) {
  let error;
  if (errorObject.ErrorType && KNOWN_DURABLE_ERROR_TYPES.has(errorObject.ErrorType)) {
    error = DurableOperationError.fromErrorObject(errorObject);
  } else {
    error = new Error(errorObject.ErrorMessage);
    error.name = errorObject.ErrorType || 'Error';
    error.stack = errorObject.StackTrace?.join('\n');
  }
  if (errorObject.Cause) error.cause = reconstructBatchError(errorObject.Cause);
  return error;
}

/**
 * AWS `restoreBatchResult`: a BatchResult as is; `{ all, completionReason }` (as parsed
 * from a payload, or returned by a whole-result serdes) as a BatchResult with its errors
 * rebuilt; anything else as an empty ALL_COMPLETED result.
 */
export function restoreBatchResult(data) {
  if (data instanceof BatchResult) return data;
  if (data && typeof data === 'object' && 'all' in data && Array.isArray(data.all)) {
    const all = data.all.map((item) => ({
      ...item,
      result: item.result,
      error: item.error ? reconstructBatchError(item.error) : undefined,
    }));
    return new BatchResult(all, data.completionReason);
  }
  return new BatchResult([], 'ALL_COMPLETED');
}

/**
 * AWS `createBatchResultSerdes()`: the default serdes of the map / parallel container.
 * Writes `{"all":[...],"completionReason":...}` with the item results as values (not as
 * their checkpointed text) and each failed item's error with its `Cause` chain.
 */
export const batchResultSerdes = Object.freeze({
  serialize: (value) => {
    if (!value) return undefined;
    return JSON.stringify({
      all: value.all.map((item) => ({
        ...item,
        error: item.error instanceof Error ? serializeBatchError(item.error) : undefined,
      })),
      completionReason: value.completionReason,
    });
  },
  deserialize: (payload) => {
    if (!payload) return undefined;
    return restoreBatchResult(JSON.parse(payload));
  },
});

/**
 * Whether a recorded container payload is the host's JSON of the outcome (what durabox
 * recorded before the SDK wrote AWS's payload): its items list `index` before their
 * `result` / `error` (the result as its checkpointed text, the error as recorded), where
 * AWS's items start with `result` / `error`.
 */
export function isHostBatchPayload(payload) {
  let parsed;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return false;
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.all)) return false;
  return parsed.all.some((item) => {
    if (!item || typeof item !== 'object') return false;
    const keys = Object.keys(item);
    const index = keys.indexOf('index');
    return keys.some((k, i) => (k === 'result' || k === 'error') && index !== -1 && index < i);
  });
}
