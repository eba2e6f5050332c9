import { createRetryStrategy, DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";

// An order handler (written for AWS Lambda): a step asking a price service no test can
// reach, a chained invoke of the `payments` function and a 10-second cool-off wait. The
// durabox-only tests (powers.test.mjs) mock the step and the invoke and pass the wait with
// a manual clock.

type Quote = { amount: number; currency: string };

async function fetchPrice(item: string): Promise<Quote> {
  throw new Error(`the price service is out of reach (asked about ${item})`);
}

export const handler = withDurableExecution(
  async (event: { item: string }, context: DurableContext) => {
    const quote: Quote = await context.step("price", async () => fetchPrice(event.item), {
      retryStrategy: createRetryStrategy({ maxAttempts: 2 }),
    });
    let payment: unknown;
    try {
      payment = await context.invoke("pay", "payments", { item: event.item, amount: quote.amount });
    } catch (error) {
      return { declined: (error as Error).message };
    }
    await context.wait("cool-off", { seconds: 10 });
    return { item: event.item, quote, payment };
  },
);
