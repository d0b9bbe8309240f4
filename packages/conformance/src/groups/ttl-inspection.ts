import { check, describeValue, expectBytes, sleep, utf8 } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import {
  expectAliveLateInLife,
  expectFractionRoundsUp,
  expectGone,
  LATE_TTL_MS,
  SHORT_TTL_MS,
  waitPastExpiry,
} from '../timing.js';

/** Section F: getTtl and refreshTtl (capability 'ttl'). */
export const ttlInspectionGroup: ConformanceGroup = {
  name: 'ttl inspection',
  capability: 'ttl',
  description:
    'getTtl reports remaining ms, Infinity or undefined; refreshTtl replaces the expiry of live keys only',
  cases: [
    {
      name: "the backend implements the claimed 'ttl' capability (getTtl, refreshTtl)",
      why: 'a claimed capability with missing methods fails here by name, not with a TypeError deep in another case',
      run: async (h) => {
        await h.createWith('ttl');
      },
    },
    {
      name: 'getTtl gives 0 < remaining <= ttl, decreasing over time',
      why: 'catches getTtl returning the original ttl, seconds instead of ms, or a value that does not count down',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        await backend.set('k', utf8('v'), 10_000);
        const first = await backend.getTtl('k');
        check(
          typeof first === 'number' && first > 0 && first <= 10_000,
          'getTtl must be > 0 and <= the ttl just set',
          `got ${describeValue(first)} for a 10000 ms ttl`,
        );
        await sleep(60);
        const second = await backend.getTtl('k');
        check(
          typeof second === 'number' && second > 0 && second < first,
          'getTtl must decrease over time',
          `got ${describeValue(first)} then ${describeValue(second)} 60 ms later`,
        );
      },
    },
    {
      name: 'getTtl is Infinity for a key without expiry (distinct from missing)',
      why: "the contract separates 'no expiry' from 'missing' (Redis answers -1 and -2); catches -1 or undefined",
      run: async (h) => {
        const backend = await h.createWith('ttl');
        await backend.set('k', utf8('v'));
        const remaining = await backend.getTtl('k');
        check(
          remaining === Number.POSITIVE_INFINITY,
          'getTtl of a key without expiry must be Infinity (not -1, 0 or undefined)',
          `got ${describeValue(remaining)}`,
        );
      },
    },
    {
      name: 'getTtl is undefined for a missing key',
      why: 'catches -2, 0 or null for a missing key',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        const remaining = await backend.getTtl('missing');
        check(
          remaining === undefined,
          'getTtl of a missing key must be undefined (not -2 or 0)',
          `got ${describeValue(remaining)}`,
        );
      },
    },
    {
      name: 'getTtl is undefined for an expired key',
      why: 'catches lazily removed entries still reported with a ttl of 0 or less',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        const started = performance.now();
        await backend.set('k', utf8('v'), SHORT_TTL_MS);
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        const remaining = await backend.getTtl('k');
        check(
          remaining === undefined,
          'getTtl of an expired key must be undefined (expired is invisible)',
          `got ${describeValue(remaining)}`,
        );
      },
    },
    {
      name: 'refreshTtl on a live key resolves true and replaces the ttl (not adds to it)',
      why: 'catches refreshes that extend by ttlMs instead of setting it',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        await backend.set('k', utf8('v'), 10_000);
        check(
          (await backend.refreshTtl('k', 10_000)) === true,
          'refreshTtl of a live key must resolve true',
          'it resolved false',
        );
        const replaced = await backend.getTtl('k');
        check(
          typeof replaced === 'number' && replaced <= 10_000 && replaced > 5_000,
          'refreshTtl must set the expiry to now + ttl (replace, not add)',
          `getTtl is ${describeValue(replaced)} after refreshTtl(10000)`,
        );
        await backend.refreshTtl('k', 120_000);
        const longer = await backend.getTtl('k');
        check(
          typeof longer === 'number' && longer > 60_000 && longer <= 120_000,
          'refreshTtl must be able to lengthen the ttl',
          `getTtl is ${describeValue(longer)} after refreshTtl(120000)`,
        );
        await backend.set('forever', utf8('v'));
        await backend.refreshTtl('forever', 5_000);
        const bounded = await backend.getTtl('forever');
        check(
          typeof bounded === 'number' && bounded <= 5_000,
          'refreshTtl must give a key without expiry an expiry',
          `getTtl is ${describeValue(bounded)}`,
        );
      },
    },
    {
      name: 'refreshTtl makes the key expire after the new ttl and leaves the value unchanged',
      why: 'catches refreshes that rewrite or drop the value',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        await backend.set('k', utf8('value'));
        const started = performance.now();
        await backend.refreshTtl('k', SHORT_TTL_MS);
        expectBytes(
          await backend.get('k'),
          utf8('value'),
          'refreshTtl must leave the value unchanged',
        );
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        await expectGone(backend, 'k', 'a key must expire after the ttl given to refreshTtl');
      },
    },
    {
      name: 'refreshTtl on a missing key resolves false and creates nothing',
      why: 'catches upserting refreshes that create an empty entry',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        const result = await backend.refreshTtl('missing', 5_000);
        check(
          result === false,
          'refreshTtl of a missing key must resolve false',
          `got ${describeValue(result)}`,
        );
        await expectGone(backend, 'missing', 'refreshTtl must not create a missing key');
        check(
          (await backend.getTtl('missing')) === undefined,
          'refreshTtl must not create a missing key (getTtl)',
          'getTtl is defined',
        );
      },
    },
    {
      name: 'refreshTtl on an expired key resolves false and does not revive it',
      why: 'catches refreshes of lazily removed rows that bring them back',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        const started = performance.now();
        await backend.set('k', utf8('v'), SHORT_TTL_MS);
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        const result = await backend.refreshTtl('k', 60_000);
        check(
          result === false,
          'refreshTtl of an expired key must resolve false',
          `got ${describeValue(result)}`,
        );
        await expectGone(backend, 'k', 'refreshTtl must not revive an expired key');
      },
    },
    {
      name: 'a fractional refreshTtl rounds up',
      why: 'catches fractional refresh ttls rejected or truncated',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        await backend.set('k', utf8('v'));
        await backend.refreshTtl('k', 5_000.5);
        const remaining = await backend.getTtl('k');
        check(
          typeof remaining === 'number' && remaining > 4_000 && remaining <= 5_001,
          'refreshTtl(5000.5) must give a ttl of at most 5001 ms',
          `getTtl is ${describeValue(remaining)}`,
        );
      },
    },
    {
      name: 'after refreshTtl the entry is still there late in its new life, and getTtl agrees',
      why: 'the refresh cases check the value right after refreshTtl and the absence after the new ttl, so a refresh that sets half the ttl (or getTtl reporting an entry gone while get still returns it) passed them',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        await backend.set('k', utf8('v'), 100);
        const started = performance.now();
        await backend.refreshTtl('k', LATE_TTL_MS);
        await expectAliveLateInLife(
          async () => {
            const remaining = await backend.getTtl('k');
            return (
              (await backend.get('k')) !== undefined &&
              typeof remaining === 'number' &&
              remaining > 0
            );
          },
          started,
          LATE_TTL_MS,
          'an entry must not expire before the ttl given to refreshTtl (get and getTtl late in its life)',
        );
      },
    },
    {
      name: 'a refreshTtl of 0.4 ms rounds up to 1 ms, not down to 0: read back at once, the entry is there',
      why: 'a refresh that rounds a fraction down to 0 ms expires the entry at once; waiting past 1 ms cannot tell 1 from 0',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        await expectFractionRoundsUp(
          async (ttl) => {
            await backend.set('tiny', utf8('v'));
            await backend.refreshTtl('tiny', ttl);
          },
          async () => (await backend.get('tiny')) !== undefined,
          'a fractional refreshTtl must round up (0.4 ms lives 1 ms), not down to 0',
        );
      },
    },
    {
      name: 'exists and getTtl do not extend the ttl',
      why: 'catches sliding expiry on the inspection paths',
      run: async (h) => {
        const backend = await h.createWith('ttl');
        const started = performance.now();
        await backend.set('k', utf8('v'), SHORT_TTL_MS);
        let previous = Number.POSITIVE_INFINITY;
        while (performance.now() - started < SHORT_TTL_MS - 60) {
          await backend.exists('k');
          const remaining = await backend.getTtl('k');
          if (remaining !== undefined) {
            check(
              remaining <= previous,
              'getTtl must not grow when only read',
              `${previous} then ${remaining}`,
            );
            previous = remaining;
          }
          await sleep(40);
        }
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        await expectGone(backend, 'k', 'exists and getTtl must not extend the ttl');
      },
    },
  ],
};
