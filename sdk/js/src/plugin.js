// Plugins: lifecycle hooks that observe a handler without changing it.

/**
 * Calls `hook` on every plugin that has it, in registration order. A hook that throws
 * (or rejects) is ignored: a plugin never changes the execution's result or history.
 */
export async function emit(plugins, hook, info) {
  for (const plugin of plugins) {
    try {
      const f = plugin?.[hook];
      if (typeof f === 'function') await f.call(plugin, info);
    } catch {
      // Plugin failures are the plugin's business.
    }
  }
}

/** The `plugins` option of `withDurableExecution`, checked. */
export function pluginList(plugins) {
  if (plugins === undefined || plugins === null) return [];
  if (!Array.isArray(plugins)) throw new TypeError('withDurableExecution: config.plugins must be an array');
  return [...plugins];
}
