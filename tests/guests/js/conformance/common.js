// Helpers shared by the suites.

import { retryPresets } from '../../../../sdk/js/src/index.js';

/** The input as a string (the suite passes plain JSON strings; anything else as JSON). */
export function inputStr(input) {
  return typeof input === 'string' ? input : JSON.stringify(input ?? null);
}

/** A step config without retries. */
export const noRetry = Object.freeze({ retryStrategy: retryPresets.none });

/** An error with an explicit ErrorType. */
export function error(type, message) {
  const e = new Error(message);
  e.name = type;
  return e;
}

/** Every field of a batch projection. */
export const FULL = ['completionReason', 'status', 'successCount', 'failureCount', 'totalCount'];
/** A batch projection without `status`. */
export const COUNTS = ['completionReason', 'successCount', 'failureCount', 'totalCount'];

/**
 * The projection of a BatchResult the map/parallel requirements return: the subset `keys`
 * of `{completionReason, status, successCount, failureCount, totalCount}` (`status` is
 * FAILED when an item failed, `totalCount` counts the started items).
 */
export function projection(result, keys) {
  return Object.fromEntries(keys.map((k) => [k, result[k]]));
}

/** A completion config tolerating `n` failures. */
export const tolerate = (n) => ({ toleratedFailureCount: n });
