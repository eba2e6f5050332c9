import { DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";

// A shipping handler (written for AWS Lambda): steps `reserve` and `charge`, a 1-second
// `settle` wait, step `ship`. powers.test.mjs replays its recorded history against it and
// against shipping-swapped.ts (the same with `reserve` and `charge` swapped), and crashes
// it after every checkpoint.

export const handler = withDurableExecution(
  async (event: { item: string }, context: DurableContext) => {
    const item = event.item;
    const reservation = await context.step("reserve", async () => `reserved ${item}`);
    const charge = await context.step("charge", async () => ({ amount: 12.5, item }));
    await context.wait("settle", { seconds: 1 });
    const parcel = await context.step("ship", async () => `parcel for ${item}`);
    return { reservation, charge, parcel };
  },
);
