// durabox JS guest SDK: AWS Lambda durable functions as WebAssembly components
// (componentize-js). Mirrors `@aws/durable-execution-sdk-js`; the host (durabox) owns
// replay, operation ids, retries and completion policies. `tests/js_api/` checks these
// exports against the AWS package's.

// Installs Node's `process.env` / `process.exit` (StarlingMonkey has no `process`).
import './process.js';

export { withDurableExecution } from './handler.js';
export { DurableContext, Logger } from './context.js';
export { DurablePromise } from './promise.js';
export { BatchResult, BatchItemStatus } from './batch.js';
export { createClassSerdes, createClassSerdesWithDates, defaultSerdes, jsonSerdes } from './serdes.js';
export { withRetry } from './retry.js';
export {
  AttemptEndInfoOutcome,
  DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION,
  InvocationStatus,
  NestingType,
  OperationAction,
  OperationStatus,
  OperationSubType,
  OperationType,
  PluginInvocationStatus,
  PluginOperationStatus,
  SDK_VERSION,
} from './constants.js';
export {
  JitterStrategy,
  StepSemantics,
  createLinearRetryStrategy,
  createRetryStrategy,
  createWaitStrategy,
  retryPresets,
  toSeconds,
} from './config.js';
export {
  CallbackError,
  CallbackExternalError,
  CallbackSubmitterError,
  CallbackTimeoutError,
  ChildContextError,
  DurableOperationError,
  InvokeError,
  PromiseCombinatorError,
  SerdesError,
  StepError,
  StepInterruptedError,
  SuspendExecution,
  ValidationError,
  WaitForConditionError,
  toErrorObject,
} from './errors.js';
