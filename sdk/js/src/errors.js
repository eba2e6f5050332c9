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
 * A durable operation that ended in failure. `errorType`, `message`, `errorData` and
 * `stackTrace` are the recorded AWS `ErrorObject` of the original error, unchanged;
 * when it escapes a child context or the handler it is reported with that object.
 */
export class DurableOperationError extends Error {
  constructor(errorObject = {}) {
    super(errorObject.errorMessage ?? '');
    this.name = new.target.name;
    this.errorType = errorObject.errorType;
    this.errorMessage = errorObject.errorMessage;
    this.errorData = errorObject.errorData;
    this.stackTrace = errorObject.stackTrace;
    // As in the AWS SDK: the original error, rebuilt from the record, is the `cause`.
    if (errorObject.errorType !== undefined || errorObject.errorMessage !== undefined) {
      const cause =
        errorObject.errorType === 'StepInterruptedError' ? new StepInterruptedError() : new Error(errorObject.errorMessage ?? '');
      cause.name = errorObject.errorType || 'Error';
      if (errorObject.stackTrace) cause.stack = errorObject.stackTrace.join('\n');
      this.cause = cause;
    }
  }

  /**
   * AWS `DurableOperationError.fromErrorObject`: the error class named by a recorded
   * error's `errorType` (`StepError`, `CallbackError`, …; anything else gives a
   * StepError), carrying that record. Accepts the WIT (camelCase) or the AWS wire
   * (PascalCase) shape.
   */
  static fromErrorObject(errorObject = {}) {
    const record = {
      errorType: errorObject.errorType ?? errorObject.ErrorType,
      errorMessage: errorObject.errorMessage ?? errorObject.ErrorMessage,
      errorData: errorObject.errorData ?? errorObject.ErrorData,
      stackTrace: errorObject.stackTrace ?? errorObject.StackTrace,
    };
    const ErrorClass = ERROR_CLASSES[record.errorType] ?? StepError;
    return new ErrorClass(record);
  }

  /** The recorded error, in the WIT (camelCase) shape. */
  toErrorObject() {
    return {
      errorType: this.errorType,
      errorMessage: this.errorMessage,
      errorData: this.errorData,
      stackTrace: this.stackTrace,
    };
  }
}

/** A step failed for good (retries exhausted or not retryable). */
export class StepError extends DurableOperationError {}
/** A child context's function failed (also a failed map/parallel, see BatchResult). */
export class ChildContextError extends DurableOperationError {}
/** A callback was completed with a failure (or its submitter failed). */
export class CallbackError extends DurableOperationError {}
/** A callback timed out: `errorType` is `Callback.Timeout` or `Callback.Heartbeat`. */
export class CallbackTimeoutError extends CallbackError {}
/** An external system completed a callback with a failure (`createCallback`'s promise). */
export class CallbackExternalError extends CallbackError {}
/**
 * AWS's class for a failed `waitForCallback` submitter. durabox reports a failed
 * `waitForCallback` as CallbackError (or CallbackTimeoutError) on every run, because its
 * replay only keeps the recorded error; the class is exported for `instanceof` checks
 * and `fromErrorObject`.
 */
export class CallbackSubmitterError extends CallbackError {}
/** A `context.promise.all / allSettled / any / race` failed (AWS `PromiseCombinatorError`). */
export class PromiseCombinatorError extends DurableOperationError {}
/** A wait-for-condition check failed, or its attempts ran out. */
export class WaitForConditionError extends DurableOperationError {}
/** A chained invoke's target failed, timed out or was stopped. */
export class InvokeError extends DurableOperationError {}

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

/**
 * A durable operation was called on a context while one of that context's step bodies
 * was running (durable operations cannot run inside a step: use runInChildContext).
 * The step fails without retry.
 */
export class NestedOperationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NestedOperationError';
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
 * * a durable error (StepError, ChildContextError, …) gives its recorded error;
 * * an Error (or error-like object) gives `ErrorType` = `error.name` (so `Error` for a
 *   plain Error and for `class MyError extends Error {}` that does not set `name`,
 *   `TypeError` for a TypeError) and `ErrorMessage` = `error.message`;
 * * anything else (a thrown string, number, plain object) gives no `ErrorType` and the
 *   `ErrorMessage` "Unknown error".
 *
 * No `StackTrace` and no `ErrorData` are recorded, as in AWS's SDK.
 */
export function toErrorObject(error) {
  if (error instanceof DurableOperationError) return { ...error.toErrorObject(), stackTrace: undefined };
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
