import { check, describeValue, expectBackendError, expectBytes, utf8 } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import {
  expectAliveLateInLife,
  expectFractionRoundsUp,
  LATE_TTL_MS,
  SHORT_TTL_MS,
  waitPastExpiry,
} from '../timing.js';
import { detachedView } from './values.js';

/** Section A/C/D for getMany, setMany and deleteMany (capability 'batch'). */
export const batchGroup: ConformanceGroup = {
  name: 'batch',
  capability: 'batch',
  description:
    'getMany keeps order and misses; setMany honours per-entry ttls; deleteMany counts; validation first',
  cases: [
    {
      name: "the backend implements the claimed 'batch' capability (getMany, setMany, deleteMany)",
      why: 'a claimed capability with missing methods fails here by name',
      run: async (h) => {
        await h.createWith('batch');
      },
    },
    {
      name: 'getMany returns values in key order with undefined for misses (empty value is a hit)',
      why: 'catches results in store order, compacted misses, and empty values read as misses',
      run: async (h) => {
        const backend = await h.createWith('batch');
        await backend.set('a', utf8('A'));
        await backend.set('c', utf8('C'));
        await backend.set('empty', new Uint8Array(0));
        const values = await backend.getMany(['c', 'missing', 'a', 'empty', 'a']);
        check(
          Array.isArray(values) && values.length === 5,
          'getMany must resolve one entry per key',
          `got ${describeValue(values)}`,
        );
        expectBytes(values[0], utf8('C'), 'getMany[0] must be the value of the first key');
        check(
          values[1] === undefined,
          'getMany must give undefined for a miss',
          `got ${describeValue(values[1])}`,
        );
        expectBytes(values[2], utf8('A'), 'getMany[2] must be the value of the third key');
        expectBytes(values[3], new Uint8Array(0), 'getMany must return an empty value as a hit');
        expectBytes(values[4], utf8('A'), 'getMany must answer a repeated key again');
      },
    },
    {
      name: 'empty arrays are fine: getMany([]) is [], setMany([]) resolves, deleteMany([]) is 0',
      why: 'catches empty IN () queries and MGET with no arguments failing',
      run: async (h) => {
        const backend = await h.createWith('batch');
        const values = await backend.getMany([]);
        check(
          Array.isArray(values) && values.length === 0,
          'getMany([]) must resolve []',
          `got ${describeValue(values)}`,
        );
        await backend.setMany([]);
        const count = await backend.deleteMany([]);
        check(count === 0, 'deleteMany([]) must resolve 0', `got ${describeValue(count)}`);
      },
    },
    {
      name: 'setMany stores every entry; a repeated key keeps the later entry',
      why: 'catches batches that keep the first of repeated keys',
      run: async (h) => {
        const backend = await h.createWith('batch');
        await backend.setMany([
          { key: 'a', value: utf8('A') },
          { key: 'b', value: utf8('B') },
          { key: 'a', value: utf8('A2') },
        ]);
        expectBytes(
          await backend.get('a'),
          utf8('A2'),
          'setMany with a repeated key must keep the later entry',
        );
        expectBytes(await backend.get('b'), utf8('B'), 'setMany must store every entry');
      },
    },
    {
      name: 'setMany honours per-entry ttls and getMany hides expired entries',
      why: 'catches one ttl applied to the whole batch, and getMany returning expired entries',
      run: async (h) => {
        const backend = await h.createWith('batch');
        const started = performance.now();
        await backend.setMany([
          { key: 'short', value: utf8('S'), ttlMs: SHORT_TTL_MS },
          { key: 'forever', value: utf8('F') },
          { key: 'long', value: utf8('L'), ttlMs: 60_000 },
        ]);
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        const [short, forever, long] = await backend.getMany(['short', 'forever', 'long']);
        check(
          short === undefined,
          'getMany must not return an expired entry',
          `got ${describeValue(short)}`,
        );
        expectBytes(forever, utf8('F'), 'a setMany entry without ttl must not expire');
        expectBytes(long, utf8('L'), "each setMany entry's ttl is its own");
        check(
          (await backend.exists('short')) === false,
          'a setMany entry must expire after its ttl',
          'exists is true',
        );
      },
    },
    {
      name: 'setMany entries are still there late in their life, and a 0.4 ms entry ttl rounds up',
      why: 'setMany computes expiries on its own path: entries that expire at half their ttl, or a fractional ttl rounded down to 0, passed the per-entry ttl case, which reads only after expiry',
      run: async (h) => {
        const backend = await h.createWith('batch');
        const started = performance.now();
        await backend.setMany([
          { key: 'late-a', value: utf8('A'), ttlMs: LATE_TTL_MS },
          { key: 'late-b', value: utf8('B'), ttlMs: LATE_TTL_MS },
        ]);
        await expectAliveLateInLife(
          async () => (await backend.getMany(['late-a', 'late-b'])).every((v) => v !== undefined),
          started,
          LATE_TTL_MS,
          'a setMany entry must not expire before its ttl',
        );
        await expectFractionRoundsUp(
          (ttl) => backend.setMany([{ key: 'tiny', value: utf8('v'), ttlMs: ttl }]),
          async () => (await backend.getMany(['tiny']))[0] !== undefined,
          'a fractional setMany ttl must round up (0.4 ms lives 1 ms), not down to 0',
        );
      },
    },
    {
      name: '10,000 keys in one batch: setMany stores all, getMany returns all in order, deleteMany counts all',
      why: 'stores cap batches (argument limits, SQLite variables, pipeline sizes); a backend that silently drops or splits a large batch wrongly passed the small batch cases',
      run: async (h) => {
        const backend = await h.createWith('batch');
        const count = 10_000;
        const keys = Array.from({ length: count }, (_, i) => `bulk:${i}`);
        await backend.setMany(keys.map((key, i) => ({ key, value: utf8(String(i)) })));
        const values = await backend.getMany(keys);
        check(
          values.length === count,
          'getMany of 10,000 keys must return 10,000 results',
          `got ${values.length}`,
        );
        const wrong = values.findIndex(
          (value, i) => value === undefined || Buffer.from(value).toString('utf8') !== String(i),
        );
        check(
          wrong === -1,
          'every entry of a 10,000-entry setMany must be stored and read back in key order',
          `entry ${wrong} read back ${describeValue(values[wrong])}`,
        );
        const deleted = await backend.deleteMany(keys);
        check(
          deleted === count,
          'deleteMany of 10,000 live keys must count 10,000',
          `got ${describeValue(deleted)}`,
        );
        check(
          (await backend.getMany([keys[0] as string, keys[count - 1] as string])).every(
            (value) => value === undefined,
          ),
          'deleteMany of 10,000 keys must remove them all',
          'some are still there',
        );
      },
    },
    {
      name: 'a setMany entry larger than maxValueBytes rejects VALUE_TOO_LARGE and stores no entry; one of exactly maxValueBytes is stored',
      why: 'batch writes often skip the size check that set makes, or check it off by one',
      skip: (o) => (o.maxValueBytes === undefined ? 'maxValueBytes not given' : undefined),
      run: async (h) => {
        const backend = await h.createWith('batch');
        const max = h.options.maxValueBytes as number;
        await expectBackendError(
          () =>
            backend.setMany([
              { key: 'small', value: utf8('s') },
              { key: 'big', value: Buffer.alloc(max + 1, 1) },
            ]),
          { type: 'PERMANENT', code: 'VALUE_TOO_LARGE', operation: 'setMany' },
          `a ${max + 1}-byte setMany value must be rejected with PERMANENT VALUE_TOO_LARGE`,
        );
        const [small, big] = await backend.getMany(['small', 'big']);
        check(
          small === undefined && big === undefined,
          'a setMany rejected for an oversize value must store no entry',
          `small: ${describeValue(small)}, big: ${describeValue(big)}`,
        );
        if (max <= 64 * 1024 * 1024) {
          const exact = Buffer.alloc(max, 2);
          await backend.setMany([{ key: 'exact', value: exact }]);
          expectBytes(
            (await backend.getMany(['exact']))[0],
            exact,
            `a setMany value of exactly maxValueBytes (${max}) must be accepted`,
          );
        }
      },
    },
    {
      name: 'deleteMany resolves how many keys existed and removes them',
      why: 'catches counts of keys asked for instead of keys that existed',
      run: async (h) => {
        const backend = await h.createWith('batch');
        await backend.setMany([
          { key: 'a', value: utf8('A') },
          { key: 'b', value: utf8('B') },
          { key: 'keep', value: utf8('K') },
        ]);
        const count = await backend.deleteMany(['a', 'missing', 'b']);
        check(
          count === 2,
          'deleteMany must count only keys that existed',
          `got ${describeValue(count)}, expected 2`,
        );
        const [a, b, keep] = await backend.getMany(['a', 'b', 'keep']);
        check(
          a === undefined && b === undefined,
          'deleteMany must remove every listed key',
          'a key survived',
        );
        expectBytes(keep, utf8('K'), 'deleteMany must not remove unlisted keys');
      },
    },
    {
      name: 'a bad key in setMany or deleteMany changes nothing (every key validated first)',
      why: 'catches batches that apply the entries before the bad one',
      run: async (h) => {
        const backend = await h.createWith('batch');
        await backend.set('a', utf8('old'));
        await backend
          .setMany([
            { key: 'a', value: utf8('new') },
            { key: '', value: utf8('x') },
          ])
          .catch(() => undefined);
        expectBytes(
          await backend.get('a'),
          utf8('old'),
          'a setMany rejected for one bad key must not write the good ones',
        );
        await backend
          .setMany([
            { key: 'fresh', value: utf8('x') },
            { key: 'a'.repeat(1025), value: utf8('x') },
          ])
          .catch(() => undefined);
        check(
          (await backend.get('fresh')) === undefined,
          'a rejected setMany must not store any entry',
          'an entry was stored',
        );
        await backend.deleteMany(['a', '\uD800']).catch(() => undefined);
        expectBytes(
          await backend.get('a'),
          utf8('old'),
          'a deleteMany rejected for one bad key must delete nothing',
        );
      },
    },
    {
      name: 'setMany with one invalid value (a detached view) rejects INVALID_VALUE and stores no entry',
      why: 'catches batches that store the valid entries and reject the bad one late',
      run: async (h) => {
        const backend = await h.createWith('batch');
        await backend.set('a', utf8('old'));
        await expectBackendError(
          () =>
            backend.setMany([
              { key: 'a', value: utf8('new') },
              { key: 'b', value: utf8('B'), ttlMs: 60_000 },
              { key: 'c', value: detachedView() },
              { key: 'd', value: utf8('D') },
            ]),
          { type: 'PERMANENT', code: 'INVALID_VALUE', operation: 'setMany' },
          'setMany with a detached value must be rejected with PERMANENT INVALID_VALUE',
        );
        expectBytes(
          await backend.get('a'),
          utf8('old'),
          'a rejected setMany must not overwrite the entries before the bad one (all or nothing)',
        );
        for (const key of ['b', 'c', 'd']) {
          check(
            (await backend.get(key)) === undefined,
            'a rejected setMany must store none of its entries (all or nothing)',
            `"${key}" was stored`,
          );
        }
      },
    },
    {
      name: 'values are copied in and out of batch calls (no aliasing)',
      why: "catches batch paths that keep or return the store's arrays",
      run: async (h) => {
        const backend = await h.createWith('batch');
        const input = utf8('original');
        await backend.setMany([{ key: 'k', value: input }]);
        input.fill(0x21);
        const [first] = await backend.getMany(['k']);
        expectBytes(first, utf8('original'), 'setMany must store a copy of the input');
        first?.fill(0x21);
        const [second] = await backend.getMany(['k']);
        expectBytes(second, utf8('original'), 'a value returned by getMany must not alias storage');
      },
    },
  ],
};
