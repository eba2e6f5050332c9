// Suite `wait` (2-x): durable waits, named waits, sequences and long durations.

export const handlers = {
  /** One 2 s wait. */
  async '2-1'(context) {
    await context.wait({ seconds: 2 });
    return null;
  },

  /** One named 2 s wait. */
  async '2-2'(context) {
    await context.wait('custom_wait_name', { seconds: 2 });
    return null;
  },

  /** Two named waits of 2 s, one invocation each. */
  async '2-3'(context) {
    await context.wait('wait-1', { seconds: 2 });
    await context.wait('wait-2', { seconds: 2 });
    return { completedWaits: 2 };
  },

  /** One minute (the suite only checks the WaitStarted duration). */
  async '2-4'(context) {
    await context.wait({ minutes: 1 });
    return null;
  },

  /** One hour (history-only as well). */
  async '2-5'(context) {
    await context.wait({ hours: 1 });
    return null;
  },
};
