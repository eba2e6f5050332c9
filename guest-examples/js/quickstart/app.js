// The quickstart from the AWS durable functions docs, written as with the AWS JS SDK
// (`@aws/durable-execution-sdk-js`): only the import differs.

import { withDurableExecution } from '../../../sdk/js/src/index.js';

export const handler = withDurableExecution(async (event, context) => {
  const one = await context.step('one', async () => '1 2');

  const two = await context.runInChildContext('two', async (child) => {
    const a = await child.step('two_1', async () => '3 4');
    const b = await child.step('two_2', async () => '4 3');
    return `${a} ${b}`;
  });

  await context.wait({ seconds: 1 });

  const three = await context.step('three', async () => '5 6');

  return [one, two, three];
});
