import { DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(
  async (event: unknown, context: DurableContext): Promise<string[]> => {
    const one: string = await context.step("one", async () => "1 2");

    await context.wait({ seconds: 1 });

    const two: string = await context.runInChildContext(
      "two",
      async (child: DurableContext) => {
        const a = await child.step("two_1", async () => "3 4");
        const b = await child.step("two_2", async () => "4 3");
        return `${a} ${b}`;
      },
    );

    const three: string = await context.step("three", async () => "5 6");

    return [one, two, three];
  },
);
