import { DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";

// Waits for an approval (written for AWS Lambda, unchanged): a callback with a one-hour
// timeout, answered by the test.
export const handler = withDurableExecution(
  async (event: { order: number }, context: DurableContext) => {
    const [approval, callbackId] = await context.createCallback("approval", { timeout: { hours: 1 } });
    await context.step("send-request", async () => callbackId.length > 0);
    return { order: event.order, approval: await approval };
  },
);
