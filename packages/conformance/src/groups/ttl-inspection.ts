import { check, describeValue, expectBytes, sleep, utf8 } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import { expectGone, SHORT_TTL_MS, waitPastExpiry } from '../timing.js';

/** Section F: getTtl and refreshTtl (capability 'ttl'). */
export const ttlInspectionGroup: ConformanceGroup = {
  name: 'ttl inspection',
  capability: 'ttl',
  description:
    'getTtl reports remaining ms, Infinity or undefined; refreshTtl replaces the expiry of live keys only',
  cases: [
    {
      name: "the backend implements the claimed 'ttl' capability (getTtl, refreshTtl)",
      run: async (h) => {
        await h.createWith('ttl');
      },
    },
    {
      name: 'getTtl gives 0 < remaining <= ttl, decreasing over time',
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
      name: 'exists and getTtl do not extend the ttl',
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
