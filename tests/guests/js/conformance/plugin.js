// Suite `plugin` (10-x): instrumentation plugins. Each plugin prints one JSON record a
// hook to plain stdout (`{"plugin", "hook", …, "durableExecutionArn"}`), stamped with the
// ARN its invocation-start hook received, as the YAMLs ask.

import { error, inputStr } from './common.js';
import { handlers as stepHandlers } from './step.js';

/**
 * A plugin printing the hooks of one `kind` ('invocation', 'operation' or 'attempt'), or
 * every hook followed by a throw ('faulty').
 */
function recorder(name, kind) {
  let executionArn = '';
  const print = (hookKind, hook, fields) => {
    if (kind !== hookKind && kind !== 'faulty') return;
    const extra = kind === 'faulty' ? {} : fields;
    console.log(JSON.stringify({ plugin: name, hook, ...extra, durableExecutionArn: executionArn }));
    if (kind === 'faulty') throw error('PluginError', `${hook} hook failed on purpose`);
  };
  return {
    onInvocationStart(info) {
      executionArn = info.executionArn;
      print('invocation', 'invocation-start', { first: info.isFirstInvocation });
    },
    onInvocationEnd(info) {
      print('invocation', 'invocation-end', { status: info.status });
    },
    // Only steps are of interest to the operation and attempt recorders.
    onOperationStart(info) {
      if (info.type === 'STEP') print('operation', 'operation-start', { op: info.id });
    },
    onOperationEnd(info) {
      if (info.type === 'STEP') print('operation', 'operation-end', { op: info.id, status: info.status });
    },
    onAttemptStart(info) {
      if (info.type === 'STEP') print('attempt', 'attempt-start', { n: info.attempt, op: info.id });
    },
    onAttemptEnd(info) {
      if (info.type === 'STEP') print('attempt', 'attempt-end', { n: info.attempt, outcome: info.outcome, op: info.id });
    },
  };
}

/** The plugins requirement `id` registers (none outside suite 10). */
export function pluginsFor(id) {
  switch (id) {
    case '10-1':
    case '10-6':
    case '10-7':
      return [recorder('CONFPLUGIN', 'invocation')];
    case '10-2':
      return [recorder('CONFPLUGIN', 'operation')];
    case '10-3':
      return [recorder('CONFPLUGIN', 'attempt')];
    case '10-4':
      return [recorder('CONFPLUGIN-FAULTY', 'faulty')];
    case '10-5':
      return [recorder('CONFPLUGIN-A', 'invocation'), recorder('CONFPLUGIN-B', 'invocation')];
    default:
      return [];
  }
}

/** A step greeting the input; its body logs `Greeting step running for: <input>`. */
const greet = (context, input) =>
  context.step('greet', async (step) => {
    const who = inputStr(input);
    step.logger.info(`Greeting step running for: ${who}`);
    return `Hello, ${who}!`;
  });

export const handlers = {
  '10-1': greet,
  '10-2': greet,

  // The 1-11 handler: fails once, then succeeds.
  '10-3': stepHandlers['1-11'],

  '10-4': greet,
  '10-5': greet,

  /** One 2 s wait. */
  async '10-6'(context) {
    await context.wait({ seconds: 2 });
    return null;
  },

  // The 1-19 handler: a step without retry that always fails.
  '10-7': stepHandlers['1-19'],
};
