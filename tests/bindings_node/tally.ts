import { DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";

// A handler with a bug durable functions punish: it counts its steps in a module-level
// variable, incremented inside the step bodies. A replay after an interrupted invocation
// skips the bodies that already ran, so the count it returns depends on where the crash
// came. powers.test.mjs finds this with `runner.chaos()`.

let count = 0;

export const handler = withDurableExecution(
  async (_event: unknown, context: DurableContext) => {
    await context.step("a", async () => ++count);
    await context.step("b", async () => ++count);
    return count;
  },
);
