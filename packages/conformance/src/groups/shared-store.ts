import { check, expectBytes, utf8 } from '../assertions.js';
import type { ConformanceCase, ConformanceGroup } from '../conformance-case.js';
import { expectGone, SHORT_TTL_MS, waitPastExpiry } from '../timing.js';

const needsSharedStore = (options: { sharedStore: boolean }) =>
  options.sharedStore ? undefined : 'sharedStore is false';

const cases: ConformanceCase[] = [
  {
    name: 'a write through instance A is visible through instance B',
    why: 'catches per-instance stores where sharedStore is claimed',
    run: async (h) => {
      const a = await h.create();
      const b = await h.create();
      await a.set('k', utf8('from A'));
      await a.set('empty', new Uint8Array(0));
      expectBytes(
        await b.get('k'),
        utf8('from A'),
        'a write through A must be visible through B on the same store',
      );
      expectBytes(
        await b.get('empty'),
        new Uint8Array(0),
        'an empty value written through A must be a hit through B',
      );
      check(
        await b.exists('k'),
        'exists through B must see a write through A',
        'it returned false',
      );
    },
  },
  {
    name: 'an overwrite and a delete through B are seen by A',
    why: 'catches private read caches that serve A a stale copy',
    run: async (h) => {
      const a = await h.create();
      const b = await h.create();
      await a.set('k', utf8('first'));
      await a.get('k');
      await b.set('k', utf8('second'));
      expectBytes(
        await a.get('k'),
        utf8('second'),
        'an overwrite through B must be seen by A (no stale local copy)',
      );
      check(
        (await b.delete('k')) === true,
        'delete through B of a key written through A must be true',
        'it was false',
      );
      check(
        (await a.get('k')) === undefined,
        'a delete through B must be seen by A',
        'A still reads the key',
      );
    },
  },
  {
    name: 'an expiry set through A applies through B',
    why: "catches expiry kept in one instance's memory (timers) instead of the store",
    run: async (h) => {
      const a = await h.create();
      const b = await h.create();
      const started = performance.now();
      await a.set('k', utf8('v'), SHORT_TTL_MS);
      await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
      await expectGone(b, 'k', 'an entry expired through A must be gone through B');
    },
  },
  {
    name: 'closing A leaves B working, and a new instance sees earlier writes',
    why: 'catches close removing shared state (deleting the file, flushing the namespace)',
    run: async (h) => {
      const a = await h.create();
      const b = await h.create();
      await a.set('k', utf8('persisted'));
      await a.close();
      expectBytes(
        await b.get('k'),
        utf8('persisted'),
        'closing one instance must not break another on the same store',
      );
      await b.close();
      const c = await h.create();
      expectBytes(
        await c.get('k'),
        utf8('persisted'),
        'a new instance on the same namespace must see earlier writes',
      );
    },
  },
];

/** Added to a failure of these cases: the usual cause is a store that is not shared at all. */
export const SHARED_STORE_HINT =
  'if instances of this backend do not share one store (an in-process backend, ' +
  'a private file per instance), pass `sharedStore: false` to describeBackendConformance';

/** Runs `entry`, appending {@link SHARED_STORE_HINT} to the message of its failure. */
function withHint(entry: ConformanceCase): ConformanceCase {
  return {
    ...entry,
    skip: needsSharedStore,
    run: async (harness) => {
      try {
        await entry.run(harness);
      } catch (error) {
        if (error instanceof Error && !error.message.includes(SHARED_STORE_HINT)) {
          error.message = `${error.message}\n(${SHARED_STORE_HINT})`;
        }
        throw error;
      }
    },
  };
}

/** Sections A.8 and A.10 for stores shared by several instances. */
export const sharedStoreGroup: ConformanceGroup = {
  name: 'shared store',
  description: 'two instances on one namespace see each other; only when sharedStore is true',
  cases: cases.map(withHint),
};
