// AWS `BatchResult`: what map and parallel return.

import { childContextError } from './errors.js';

/** Item status names as in the AWS JS SDK. */
export const BatchItemStatus = Object.freeze({ SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', STARTED: 'STARTED' });

const STATUS = { succeeded: 'SUCCEEDED', failed: 'FAILED', started: 'STARTED' };
const REASON = {
  'all-completed': 'ALL_COMPLETED',
  'min-successful-reached': 'MIN_SUCCESSFUL_REACHED',
  'failure-tolerance-exceeded': 'FAILURE_TOLERANCE_EXCEEDED',
};

function parse(payload) {
  if (payload === undefined || payload === null || payload === '') return undefined;
  return JSON.parse(payload);
}

/**
 * The started branches in index order (`all`: `{ index, status, result, error }`, where
 * `error` is a ChildContextError carrying the branch's recorded error) and why the batch
 * ended (`completionReason`: ALL_COMPLETED, MIN_SUCCESSFUL_REACHED or
 * FAILURE_TOLERANCE_EXCEEDED).
 */
export class BatchResult {
  constructor(all, completionReason) {
    this.all = all;
    this.completionReason = completionReason;
  }

  /**
   * From the WIT `batch-outcome`; `results[i]` is item i's deserialized result (default:
   * its payload parsed as JSON).
   */
  static from(outcome, results) {
    const all = outcome.items.map((item, i) => ({
      index: item.index,
      status: STATUS[item.status],
      result: item.status !== 'succeeded' ? undefined : results ? results[i] : parse(item.result),
      error: item.error ? childContextError(item.error) : undefined,
    }));
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
