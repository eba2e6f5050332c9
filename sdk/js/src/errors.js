// Errors: what durable calls throw, and how JS errors become AWS `ErrorObject`s.

/**
 * Thrown by a durable call that cannot finish in this invocation (a pending wait,
 * callback, retry delay or chained invoke). Let it propagate: the SDK ends the
 * invocation as PENDING and the host re-invokes the handler when the work is due.
 *
 * Catching it does not help user code: the SDK remembers the suspension, every later
 * durable call in the same context throws it again, and the handler's result is
 * ignored (the invocation still ends as PENDING).
 */
export class SuspendExecution extends Error {
  constructor() {
    super('execution suspended');
    this.name = 'SuspendExecution';
  }
}

/**
 * A durable operation that ended in failure, as in AWS's SDK: `errorType` names the
 * class (`StepError`, `ChildContextError`, …), `message` is the recorded message,
 * `errorData` the recorded ErrorData, and `cause` the original error rebuilt from the
 * record (an Error whose `name` is the recorded ErrorType; for a ChildContextError the
 * durable error the child function threw). When it escapes a child context or the
 * handler it is recorded with its own ErrorType (e.g. an uncaught StepError fails the
 * execution with ErrorType "StepError").
 *
 * `new StepError(message?, cause?, errorData?)` as in AWS.
 */
export class DurableOperationError extends Error {
  constructor(message, cause, errorData) {
    super(message ?? '');
    this.name = new.target.name;
    this.cause = cause;
    this.errorData = errorData;
    this.stackTrace = undefined;
  }

  /**
   * AWS `DurableOperationError.fromErrorObject`: the error class named by a recorded
   * error's `ErrorType` (`StepError`, `CallbackError`, …; anything else gives a
   * StepError), with the recorded message and data, and the recorded error rebuilt as
   * its `cause`. Accepts the AWS wire (PascalCase) or the WIT (camelCase) shape.
   */
  static fromErrorObject(errorObject = {}) {
    const record = wireRecord(errorObject);
    const ErrorClass = ERROR_CLASSES[record.errorType] ?? StepError;
    return new ErrorClass(record.errorMessage || undefined, causeOf(record), record.errorData);
  }

  /**
   * AWS `toErrorObject()`: `{ ErrorType, ErrorMessage, ErrorData, StackTrace }`; without
   * its own `errorData`, the first string `errorData` of a durable error down the cause
   * chain.
   */
  toErrorObject() {
    return { ErrorType: this.errorType, ErrorMessage: this.message, ErrorData: errorDataOf(this), StackTrace: undefined };
  }
}

/** A recorded error in the WIT (camelCase) shape, from either shape. */
function wireRecord(errorObject) {
  return {
    errorType: errorObject.errorType ?? errorObject.ErrorType,
    errorMessage: errorObject.errorMessage ?? errorObject.ErrorMessage,
    errorData: errorObject.errorData ?? errorObject.ErrorData,
    stackTrace: errorObject.stackTrace ?? errorObject.StackTrace,
  };
}

/** The recorded error rebuilt as a plain Error named by its ErrorType (AWS's `cause`). */
function causeOf(record) {
  const cause = record.errorType === 'StepInterruptedError' ? new StepInterruptedError() : new Error(record.errorMessage ?? '');
  cause.name = record.errorType || 'Error';
  if (record.stackTrace) cause.stack = record.stackTrace.join('\n');
  return cause;
}

function errorDataOf(error) {
  if (error.errorData !== undefined) return error.errorData;
  let node = error.cause;
  for (let i = 0; i < 10 && node; i++) {
    if (node instanceof DurableOperationError && typeof node.errorData === 'string') return node.errorData;
    node = node instanceof Error ? node.cause : undefined;
  }
  return undefined;
}

/** A step failed for good (retries exhausted or not retryable). */
export class StepError extends DurableOperationError {
  errorType = 'StepError';
  constructor(message, cause, errorData) {
    super(message || 'Step failed', cause, errorData);
  }
}
/** A child context's function failed (also a failed map/parallel item, see BatchResult). */
export class ChildContextError extends DurableOperationError {
  errorType = 'ChildContextError';
  constructor(message, cause, errorData) {
    super(message || 'Child context failed', cause, errorData);
  }
}
/** Base class of the callback failures (also thrown directly for internal ones). */
export class CallbackError extends DurableOperationError {
  errorType = 'CallbackError';
  constructor(message, cause, errorData) {
    super(message || 'Callback failed', cause, errorData);
  }
}
/** A callback timed out; `cause.name` is the recorded type (`Callback.Timeout` / `Callback.Heartbeat`). */
export class CallbackTimeoutError extends CallbackError {
  errorType = 'CallbackTimeoutError';
  constructor(message, cause, errorData) {
    super(message || 'Callback timed out', cause, errorData);
  }
}
/** An external system completed a callback with a failure; `cause.name` is the ErrorType it sent. */
export class CallbackExternalError extends CallbackError {
  errorType = 'CallbackExternalError';
  constructor(message, cause, errorData) {
    super(message || 'Callback failed', cause, errorData);
  }
}
/** A `waitForCallback` submitter failed (its `cause` is the submitter step's StepError). */
export class CallbackSubmitterError extends CallbackError {
  errorType = 'CallbackSubmitterError';
  constructor(message, cause, errorData) {
    super(message || 'Callback submitter failed', cause, errorData);
  }
}
/** A `context.promise.all / allSettled / any / race` failed (AWS `PromiseCombinatorError`). */
export class PromiseCombinatorError extends DurableOperationError {
  errorType = 'PromiseCombinatorError';
  constructor(message, cause, errorData) {
    super(message || 'Promise combinator failed', cause, errorData);
  }
}
/** A wait-for-condition check failed, or its attempts ran out. */
export class WaitForConditionError extends DurableOperationError {
  errorType = 'WaitForConditionError';
  constructor(message, cause, errorData) {
    super(message || 'Wait for condition failed', cause, errorData);
  }
}
/** A chained invoke's target failed, timed out or was stopped. */
export class InvokeError extends DurableOperationError {
  errorType = 'InvokeError';
  constructor(message, cause, errorData) {
    super(message || 'Invoke failed', cause, errorData);
  }
}

/** The durable error classes by name, for `DurableOperationError.fromErrorObject`. */
export const ERROR_CLASSES = {
  StepError,
  CallbackError,
  CallbackExternalError,
  CallbackTimeoutError,
  CallbackSubmitterError,
  InvokeError,
  ChildContextError,
  WaitForConditionError,
  PromiseCombinatorError,
};

/** A recorded error (WIT shape) as the error `ErrorClass` throws: `ErrorClass(message, cause, data)`. */
export function fromRecord(ErrorClass, record = {}) {
  return new ErrorClass(record.errorMessage || undefined, causeOf(record), record.errorData);
}

/**
 * What a failed child context throws, as AWS: a ChildContextError whose `cause` is the
 * recorded error rebuilt by `fromErrorObject` (a StepError for a step's failure).
 */
export function childContextError(record = {}) {
  const original = DurableOperationError.fromErrorObject(record);
  return new ChildContextError(original.message, original);
}

/**
 * An at-most-once step (`StepSemantics.AtMostOncePerRetry`) started in an earlier
 * invocation that ended before the step did: the host records the attempt as failed
 * with this error type (then retries or fails the step per its retry strategy). A
 * StepError for it has a StepInterruptedError as `cause`.
 */
export class StepInterruptedError extends Error {
  constructor(_stepId, _stepName) {
    super('The step execution process was initiated but failed to reach completion due to an interruption.');
    this.name = 'StepInterruptedError';
  }
}

/** The host rejected the arguments before anything was checkpointed (AWS ValidationError). */
export class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** A value could not be (de)serialized. */
export class SerdesError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SerdesError';
  }
}

/**
 * As AWS's `isErrorLike`: an Error, or an object with `message` and `name`
 * (`dist-cjs/index.js`, next to `createErrorObjectFromError`).
 */
function isErrorLike(value) {
  return value instanceof Error || (value !== null && typeof value === 'object' && 'message' in value && 'name' in value);
}

const optionalString = (value) => (value === undefined || value === null ? undefined : String(value));

/**
 * Any thrown value as a WIT `error-object` ({errorType, errorMessage, errorData,
 * stackTrace}), recorded as AWS's JS SDK records it (`createErrorObjectFromError`):
 *
 * * a durable error (StepError, ChildContextError, …) gives its own type (`StepError`,
 *   …), message and ErrorData;
 * * an Error (or error-like object) gives `ErrorType` = `error.name` (so `Error` for a
 *   plain Error and for `class MyError extends Error {}` that does not set `name`,
 *   `TypeError` for a TypeError) and `ErrorMessage` = `error.message`;
 * * anything else (a thrown string, number, plain object) gives no `ErrorType` and the
 *   `ErrorMessage` "Unknown error".
 *
 * No `StackTrace` and no `ErrorData` are recorded, as in AWS's SDK.
 */
export function toErrorObject(error) {
  if (error instanceof DurableOperationError) {
    return { errorType: error.errorType, errorMessage: error.message, errorData: errorDataOf(error), stackTrace: undefined };
  }
  if (isErrorLike(error)) {
    return {
      errorType: optionalString(error.name),
      errorMessage: optionalString(error.message),
      errorData: undefined,
      stackTrace: undefined,
    };
  }
  return { errorType: undefined, errorMessage: 'Unknown error', errorData: undefined, stackTrace: undefined };
}
