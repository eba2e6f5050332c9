// The JS handlers of AWS's durable-execution conformance suite
// (aws-durable-execution-conformance-tests 1.0.0), one component for all of them.
//
// The environment variable DURABOX_CONFORMANCE_FN holds the requirement id (e.g. `1-11`)
// and selects the handler; tests/conformance/js.yaml maps each id to a function that sets
// it. Each handler does what its YAML's `handler:`/`invocations:` text describes, like the
// Rust guest (tests/guests/rust/conformance). The chained-invoke targets of suite 5 are
// served too, with ids `target-<kind>`. Suite 10's handlers register plugins, so the
// handler is wrapped per invocation, with the plugins of the requirement it serves.

import { withDurableExecution } from '../../../../sdk/js/src/index.js';

import { handlers as callback } from './callback.js';
import { handlers as child } from './child.js';
import { handlers as invoke, targets } from './invoke.js';
import { handlers as map } from './map.js';
import { handlers as parallel } from './parallel.js';
import { handlers as plugin, pluginsFor } from './plugin.js';
import { handlers as step } from './step.js';
import { handlers as wait } from './wait.js';
import { handlers as waitForCallback } from './wait_for_callback.js';
import { handlers as waitForCondition } from './wait_for_condition.js';

const FN_VAR = 'DURABOX_CONFORMANCE_FN';

const all = {
  ...step,
  ...wait,
  ...child,
  ...callback,
  ...invoke,
  ...waitForCondition,
  ...waitForCallback,
  ...parallel,
  ...map,
  ...plugin,
  ...targets,
};

class UnknownRequirement extends Error {}

/** The handler of requirement `id`, with its plugins. */
function wrapped(id) {
  return withDurableExecution(
    async (event, context) => {
      const handle = all[id];
      if (!handle) throw new UnknownRequirement(`${FN_VAR}=${JSON.stringify(id)} names no implemented requirement`);
      return await handle(context, event);
    },
    { plugins: pluginsFor(id) },
  );
}

export const handler = {
  handle: (context, input) => wrapped(process.env[FN_VAR] ?? '').handle(context, input),
};
