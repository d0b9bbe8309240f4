import { check, describeValue, expectBytes, utf8 } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';

/** Size of each value written by the torn-read case, in bytes. */
const TORN_VALUE_BYTES = 16 * 1024;

/** A value whose every byte is `marker`: a torn read mixes markers or has the wrong length. */
function markedValue(marker: number): Buffer {
  return Buffer.alloc(TORN_VALUE_BYTES, marker);
}

function isWholeMarkedValue(value: Uint8Array): boolean {
  if (value.byteLength !== TORN_VALUE_BYTES) return false;
  const marker = value[0];
  return value.every((byte) => byte === marker);
}

/** Section E: many operations in flight at once on one instance. */
export const concurrencyGroup: ConformanceGroup = {
  name: 'concurrency',
  description: 'concurrent operations raise no errors, never tear values and lose no writes',
  cases: [
    {
      name: '100 concurrent gets and sets on one key raise no errors and never tear a value',
      why: 'catches non-atomic writes (partial files, interleaved chunks) that a reader sees half-written',
      run: async (h) => {
        const backend = await h.create();
        const operations: Promise<unknown>[] = [];
        for (let i = 0; i < 100; i++) {
          operations.push(
            i % 2 === 0 ? backend.set('hot', markedValue(i % 256)) : backend.get('hot'),
          );
        }
        const results = await Promise.allSettled(operations);
        for (const [index, result] of results.entries()) {
          if (result.status === 'rejected') {
            check(
              false,
              'concurrent gets and sets on one key must not fail',
              `operation ${index} rejected: ${String(result.reason)}`,
            );
          }
          const value = result.value;
          if (value instanceof Uint8Array) {
            check(
              isWholeMarkedValue(value),
              'a read must see one complete written value, never a torn one',
              `operation ${index} read ${describeValue(value)}`,
            );
          }
        }
        const final = await backend.get('hot');
        check(
          final !== undefined && isWholeMarkedValue(final) && (final[0] as number) % 2 === 0,
          'after concurrent sets the value must be one of those written',
          `got ${describeValue(final)}`,
        );
      },
    },
    {
      name: '100 concurrent sets on distinct keys all persist',
      why: 'catches shared state in write paths (one temp file name, one statement object) that loses writes',
      run: async (h) => {
        const backend = await h.create();
        const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
        await Promise.all(keys.map((key) => backend.set(key, utf8(`value of ${key}`))));
        const values = await Promise.all(keys.map((key) => backend.get(key)));
        for (const [index, key] of keys.entries()) {
          expectBytes(
            values[index],
            utf8(`value of ${key}`),
            `concurrent sets on distinct keys must all persist (${key})`,
          );
        }
      },
    },
    {
      name: 'of 20 concurrent deletes of one key exactly one resolves true',
      why: 'catches check-then-delete races where several callers all see the key',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('victim', utf8('v'));
        const results = await Promise.all(
          Array.from({ length: 20 }, () => backend.delete('victim')),
        );
        const trues = results.filter((result) => result === true).length;
        check(
          trues === 1,
          'exactly one of N concurrent deletes must resolve true',
          `${trues} of 20 resolved true`,
        );
        check(
          (await backend.get('victim')) === undefined,
          'the key must be gone after the deletes',
          'it is still there',
        );
      },
    },
  ],
};
