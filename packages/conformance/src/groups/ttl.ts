import { isTtlInspectable } from '@cachestack/core';
import { check, expectBackendError, expectBytes, loose, sleep, utf8 } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import {
  expectAliveLateInLife,
  expectFractionRoundsUp,
  expectGone,
  expectPresentBeforeExpiry,
  LATE_TTL_MS,
  SHORT_TTL_MS,
  waitPastExpiry,
} from '../timing.js';

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
      why: 'the basic expiry promise; catches expiry ignored by a read path, and delete counting an expired key',
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
      why: 'pinned: 0 is not forever (Keyv) and not delete (PSR-16); catches coercion and silent defaults',
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
      why: "catches a 0.4 ms ttl rounded to 0 and then read as 'no expiry', and fractions rejected",
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
      name: 'an entry is still there late in its life (70% of its ttl): it never expires early',
      why: 'the expiry cases read an entry right after writing it and again after its ttl, so a backend whose entries expire at half their ttl passed them; the contract says an entry never expires before its ttl',
      run: async (h) => {
        const backend = await h.create();
        const started = performance.now();
        await backend.set('late', utf8('v'), LATE_TTL_MS);
        await expectAliveLateInLife(
          async () => (await backend.get('late')) !== undefined && (await backend.exists('late')),
          started,
          LATE_TTL_MS,
          'an entry must not expire before its ttl (get and exists late in its life)',
        );
      },
    },
    {
      name: 'a 0.4 ms ttl rounds up to 1 ms, not down to 0: read back at once, the entry is there',
      why: 'the fraction case waits past 1 ms and checks the entry is gone, which cannot tell 1 ms from 0 ms: a backend that rounds 0.4 down (expired at once) passed it',
      run: async (h) => {
        const backend = await h.create();
        await expectFractionRoundsUp(
          (ttl) => backend.set('tiny', utf8('v'), ttl),
          async () => (await backend.get('tiny')) !== undefined,
          'a fractional ttl must round up (0.4 ms lives 1 ms), not down to 0',
        );
      },
    },
    {
      name: 'an entry set without a ttl does not expire',
      why: 'catches default ttls applied when none is given',
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
      why: 'pinned (as Redis SET): catches backends that keep the old expiry on overwrite',
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
      why: 'catches overwrites that keep the old (absent) expiry',
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
      why: 'a single setTimeout overflows above 2^31-1 ms and fires at once; catches that and 32-bit expiry fields',
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
      why: 'catches stores where an expired-but-not-removed row blocks a new insert',
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
      why: 'catches sliding expiry (touch on read), which the contract does not have',
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
