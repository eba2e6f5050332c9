// The quickstart from the AWS durable functions docs, written exactly as with the AWS JS SDK:
// sdk/js/build.js resolves `@aws/durable-execution-sdk-js` to durabox's SDK.

import { withDurableExecution } from '@aws/durable-execution-sdk-js';

export const handler = withDurableExecution(async (event, context) => {
  const one = await context.step('one', async () => '1 2');

  await context.wait({ seconds: 1 });

  const two = await context.runInChildContext('two', async (child) => {
    const a = await child.step('two_1', async () => '3 4');
    const b = await child.step('two_2', async () => '4 3');
    return `${a} ${b}`;
  });

  const three = await context.step('three', async () => '5 6');

  return [one, two, three];
});
