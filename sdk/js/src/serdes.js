// Serdes helpers named after the AWS JS SDK (`defaultSerdes`, `createClassSerdes`,
// `createClassSerdesWithDates`). A serdes is `{ serialize(value, info), deserialize(payload,
// info) }`; either may be async; `info` is `{ entityId, durableExecutionArn }`.

/** The default serdes: JSON; `undefined` is checkpointed as no payload and read back as `undefined`. */
export const jsonSerdes = Object.freeze({
  serialize: (value) => (value === undefined ? undefined : JSON.stringify(value)),
  deserialize: (payload) => (payload === undefined || payload === null || payload === '' ? undefined : JSON.parse(payload)),
});

/** AWS `defaultSerdes`: JSON (the serdes every operation uses unless told otherwise). */
export const defaultSerdes = jsonSerdes;

function assignInto(cls, payload) {
  if (payload === undefined || payload === null || payload === '') return undefined;
  return Object.assign(new cls(), JSON.parse(payload));
}

/**
 * AWS `createClassSerdes(cls)`: JSON that reads back an instance of `cls` (a class with a
 * no-argument constructor) holding the checkpointed fields, so its methods work on replay.
 */
export function createClassSerdes(cls) {
  if (typeof cls !== 'function') throw new TypeError('createClassSerdes needs a class');
  return {
    serialize: (value) => jsonSerdes.serialize(value),
    deserialize: (payload) => assignInto(cls, payload),
  };
}

/**
 * AWS `createClassSerdesWithDates(cls, dateProps)`: like `createClassSerdes`, and turns
 * the listed properties (dotted paths such as `'meta.createdAt'`) back into `Date`s.
 */
export function createClassSerdesWithDates(cls, dateProps = []) {
  if (typeof cls !== 'function') throw new TypeError('createClassSerdesWithDates needs a class');
  return {
    serialize: (value) => jsonSerdes.serialize(value),
    deserialize: (payload) => {
      const instance = assignInto(cls, payload);
      if (instance === undefined) return undefined;
      for (const path of dateProps) {
        const keys = String(path).split('.');
        const last = keys.pop();
        let target = instance;
        for (const key of keys) {
          target = target?.[key];
          if (!target || typeof target !== 'object') break;
        }
        if (target && typeof target === 'object' && target[last]) target[last] = new Date(target[last]);
      }
      return instance;
    },
  };
}
