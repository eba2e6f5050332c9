// Enumerations and constants named after the AWS JS SDK. Values are the AWS wire values
// (what `durabox` records and the Lambda API returns), so code that compares against
// them moves over unchanged.

/** This SDK's version (AWS `SDK_VERSION` is its package version). */
export const SDK_VERSION = '0.1.0';

/** Operation types of the execution history (AWS `OperationType`). */
export const OperationType = Object.freeze({
  CALLBACK: 'CALLBACK',
  CHAINED_INVOKE: 'CHAINED_INVOKE',
  CONTEXT: 'CONTEXT',
  EXECUTION: 'EXECUTION',
  STEP: 'STEP',
  WAIT: 'WAIT',
});

/** Operation statuses of the execution history (AWS `OperationStatus`). */
export const OperationStatus = Object.freeze({
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  PENDING: 'PENDING',
  READY: 'READY',
  STARTED: 'STARTED',
  STOPPED: 'STOPPED',
  SUCCEEDED: 'SUCCEEDED',
  TIMED_OUT: 'TIMED_OUT',
});

/** Checkpoint actions (AWS `OperationAction`); the host issues them for a durabox guest. */
export const OperationAction = Object.freeze({
  CANCEL: 'CANCEL',
  FAIL: 'FAIL',
  RETRY: 'RETRY',
  START: 'START',
  SUCCEED: 'SUCCEED',
});

/**
 * Operation subtypes (AWS `OperationSubType`): the `SubType` the history shows for each
 * kind of operation; also usable as a step's / child context's `subType`.
 */
export const OperationSubType = Object.freeze({
  STEP: 'Step',
  WAIT: 'Wait',
  CALLBACK: 'Callback',
  RUN_IN_CHILD_CONTEXT: 'RunInChildContext',
  MAP: 'Map',
  MAP_ITERATION: 'MapIteration',
  PARALLEL: 'Parallel',
  PARALLEL_BRANCH: 'ParallelBranch',
  WAIT_FOR_CALLBACK: 'WaitForCallback',
  WAIT_FOR_CONDITION: 'WaitForCondition',
  CHAINED_INVOKE: 'ChainedInvoke',
});

/** How an invocation ended (AWS `InvocationStatus`). */
export const InvocationStatus = Object.freeze({ SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', PENDING: 'PENDING' });

/** map / parallel `nesting` (AWS `NestingType`): a CONTEXT per branch, or none. */
export const NestingType = Object.freeze({ NESTED: 'NESTED', FLAT: 'FLAT' });

/** Version of the plugin hook API (AWS `DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION`). */
export const DURABLE_INSTRUMENTATION_PLUGIN_API_VERSION = 1;

/**
 * `onInvocationEnd` statuses (AWS `PluginInvocationStatus`). durabox reports SUCCEEDED,
 * FAILED or PENDING; RETRYING (a runtime-level retry) does not occur in durabox.
 */
export const PluginInvocationStatus = Object.freeze({
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  PENDING: 'PENDING',
  RETRYING: 'RETRYING',
});

/** Operation statuses for plugin hooks (AWS `PluginOperationStatus`). */
export const PluginOperationStatus = Object.freeze({
  STARTED: 'STARTED',
  READY: 'READY',
  PENDING: 'PENDING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  STOPPED: 'STOPPED',
  CANCELLED: 'CANCELLED',
});

/** `onAttemptEnd` outcomes (AWS `AttemptEndInfoOutcome`). */
export const AttemptEndInfoOutcome = Object.freeze({ SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED' });
