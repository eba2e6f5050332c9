// durabox JS guest SDK: AWS Lambda durable functions as WebAssembly components
// (componentize-js). Mirrors `@aws/durable-execution-sdk-js`; the host (durabox) owns
// replay, operation ids, retries and completion policies.

// Installs Node's `process.env` / `process.exit` (StarlingMonkey has no `process`).
import './process.js';

export { withDurableExecution } from './handler.js';
export { DurableContext, Logger, jsonSerdes } from './context.js';
export { BatchResult, BatchItemStatus } from './batch.js';
export {
  JitterStrategy,
  StepSemantics,
  createRetryStrategy,
  createWaitStrategy,
  retryPresets,
  toSeconds,
} from './config.js';
export {
  CallbackError,
  CallbackTimeoutError,
  ChildContextError,
  DurableOperationError,
  InvokeError,
  NestedOperationError,
  SerdesError,
  StepError,
  SuspendExecution,
  ValidationError,
  WaitForConditionError,
  toErrorObject,
} from './errors.js';
