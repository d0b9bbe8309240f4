import type { BaseBackend } from '@cachestack/core';

/** Calls made on a backend, by method name, and the keys each write touched. */
export interface CallLog {
  calls: Record<string, number>;
  writtenKeys: string[];
  reset(): void;
}

/**
 * A view of a real backend that counts every method call (and the keys of
 * writes) before delegating to it unchanged; capability guards still see the
 * backend's methods.
 */
export function counting<B extends BaseBackend>(backend: B): { backend: B; log: CallLog } {
  const log: CallLog = {
    calls: {},
    writtenKeys: [],
    reset() {
      log.calls = {};
      log.writtenKeys = [];
    },
  };
  const proxy = new Proxy(backend, {
    get(target, property) {
      const member = Reflect.get(target, property, target) as unknown;
      if (typeof member !== 'function') return member;
      // Symbol-keyed protocols (core's local read, borrowed read, transferred set) run on the backend itself.
      if (typeof property !== 'string')
        return (member as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        log.calls[property] = (log.calls[property] ?? 0) + 1;
        if (property === 'set') log.writtenKeys.push(args[0] as string);
        if (property === 'setMany') {
          for (const entry of args[0] as { key: string }[]) log.writtenKeys.push(entry.key);
        }
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend: proxy, log };
}
