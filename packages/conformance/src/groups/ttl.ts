import { isTtlInspectable } from '@cachestack/core';
import { check, expectBackendError, expectBytes, loose, sleep, utf8 } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import { expectGone, expectPresentBeforeExpiry, SHORT_TTL_MS, waitPastExpiry } from '../timing.js';

/** TTL values that are not `undefined` or a finite number > 0. */
export const INVALID_TTLS: readonly [string, unknown][] = [
  ['0', 0],
  ['-1', -1],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ["the string '100'", '100'],
  ['an object', {}],
  ['null', null],
];

/** Section D: expiry through set's ttlMs, checked with get and exists. */
export const ttlGroup: ConformanceGroup = {
  name: 'ttl',
  description:
    'entries live for their ttl and no longer; invalid ttls are rejected and change nothing',
  cases: [
    {
      name: 'an entry is present before its ttl and absent after (get, exists, delete)',
      run: async (h) => {
        const backend = await h.create();
        const started = performance.now();
        await backend.set('short', utf8('v'), SHORT_TTL_MS);
        await backend.set('long', utf8('w'), 60_000);
        await expectPresentBeforeExpiry(
          backend,
          'short',
          started,
          SHORT_TTL_MS,
          'an entry must be present before its ttl',
        );
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        await expectGone(backend, 'short', 'an entry must be absent after its ttl');
        const deleted = await backend.delete('short');
        check(
          deleted === false,
          'delete of an expired key must resolve false',
          `got ${String(deleted)}`,
        );
        expectBytes(
          await backend.get('long'),
          utf8('w'),
          "each key's ttl is independent: a 60 s entry must outlive a 300 ms one",
        );
      },
    },
    {
      name: 'invalid ttls (0, -1, NaN, Infinity, strings, objects, null) are rejected with INVALID_TTL and the old entry stays',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('old'));
        for (const [label, ttl] of INVALID_TTLS) {
          await expectBackendError(
            () => backend.set('k', utf8('new'), loose(ttl)),
            { type: 'PERMANENT', code: 'INVALID_TTL', operation: 'set', key: 'k' },
            `set with ttl ${label} must be rejected with PERMANENT INVALID_TTL (pinned: not forever, not delete)`,
          );
          expectBytes(
            await backend.get('k'),
            utf8('old'),
            `a set rejected for ttl ${label} must leave the old value`,
          );
          if (isTtlInspectable(backend) && h.claims('ttl')) {
            const remaining = await backend.getTtl('k');
            check(
              remaining === Number.POSITIVE_INFINITY,
              `a set rejected for ttl ${label} must leave the old expiry (none)`,
              `getTtl returned ${String(remaining)}`,
            );
          }
        }
        await expectBackendError(
          () => backend.set('fresh', utf8('v'), 0),
          { type: 'PERMANENT', code: 'INVALID_TTL' },
          'set of a new key with ttl 0 must be rejected',
        );
        check(
          (await backend.get('fresh')) === undefined,
          'a set rejected for its ttl must store nothing',
          'the key exists',
        );
      },
    },
    {
      name: 'a fractional ttl is accepted and rounds up (0.4 ms lives about 1 ms, not forever)',
      run: async (h) => {
        const backend = await h.create();
        const started = performance.now();
        await backend.set('tiny', utf8('v'), 0.4);
        await backend.set('fraction', utf8('v'), 60_000.5);
        await waitPastExpiry(started, 1, h.slackMs);
        await expectGone(
          backend,
          'tiny',
          'a 0.4 ms ttl must round up to 1 ms and expire (not be read as 0 = forever)',
        );
        expectBytes(
          await backend.get('fraction'),
          utf8('v'),
          'a fractional ttl of 60000.5 ms must be accepted',
        );
      },
    },
    {
      name: 'an entry set without a ttl does not expire',
      run: async (h) => {
        const backend = await h.create();
        const started = performance.now();
        await backend.set('forever', utf8('v'));
        await backend.set('explicit-undefined', utf8('w'), undefined);
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        expectBytes(
          await backend.get('forever'),
          utf8('v'),
          'an entry without a ttl must not expire',
        );
        expectBytes(
          await backend.get('explicit-undefined'),
          utf8('w'),
          'ttlMs undefined must mean no expiry',
        );
      },
    },
    {
      name: 'set without a ttl on a key that had one removes its expiry (as Redis SET)',
      run: async (h) => {
        const backend = await h.create();
        const started = performance.now();
        await backend.set('k', utf8('first'), SHORT_TTL_MS);
        await backend.set('k', utf8('second'));
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        expectBytes(
          await backend.get('k'),
          utf8('second'),
          'set without ttl must clear the old expiry (pinned)',
        );
      },
    },
    {
      name: 'set with a ttl on a key that had none makes it expire',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('first'));
        const started = performance.now();
        await backend.set('k', utf8('second'), SHORT_TTL_MS);
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        await expectGone(backend, 'k', 'the new ttl of an overwrite must apply');
      },
    },
    {
      name: 'very long ttls (2^31 ms, 30 days, 1 year) do not expire early',
      run: async (h) => {
        const backend = await h.create();
        const ttls = [2 ** 31, 2 ** 31 - 1, 30 * 24 * 3600 * 1000, 365 * 24 * 3600 * 1000];
        for (const [index, ttl] of ttls.entries())
          await backend.set(`long-${index}`, utf8(`v${index}`), ttl);
        await sleep(100 + h.slackMs);
        for (const [index, ttl] of ttls.entries()) {
          expectBytes(
            await backend.get(`long-${index}`),
            utf8(`v${index}`),
            `a ttl of ${ttl} ms must not fire early (no single setTimeout: it overflows above 2^31-1 ms)`,
          );
        }
        if (isTtlInspectable(backend) && h.claims('ttl')) {
          const remaining = await backend.getTtl('long-0');
          check(
            remaining !== undefined && remaining > 2 ** 31 - 60_000 && remaining <= 2 ** 31,
            'getTtl of a 2^31 ms entry must report about 2^31 ms',
            `got ${String(remaining)}`,
          );
        }
      },
    },
    {
      name: 'an expired key can be set again',
      run: async (h) => {
        const backend = await h.create();
        const started = performance.now();
        await backend.set('k', utf8('first'), SHORT_TTL_MS);
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        await backend.set('k', utf8('second'));
        expectBytes(
          await backend.get('k'),
          utf8('second'),
          'an expired key must accept a new value',
        );
        check(
          await backend.exists('k'),
          'exists of a re-set expired key must be true',
          'it returned false',
        );
      },
    },
    {
      name: 'get and exists do not extend the ttl',
      run: async (h) => {
        const backend = await h.create();
        const started = performance.now();
        await backend.set('k', utf8('v'), SHORT_TTL_MS);
        while (performance.now() - started < SHORT_TTL_MS - 60) {
          await backend.get('k');
          await backend.exists('k');
          await sleep(40);
        }
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        await expectGone(backend, 'k', 'reads must not extend the ttl (no sliding expiry)');
      },
    },
  ],
};
