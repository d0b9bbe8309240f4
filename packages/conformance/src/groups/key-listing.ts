import type { BackendWith } from '@cachestack/core';
import { check, describeValue, expectBackendError, utf8, violation } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';
import { requireClaimedCapability } from '../harness.js';
import { SHORT_TTL_MS, waitPastExpiry } from '../timing.js';

async function listKeys(backend: BackendWith<'keys'>, prefix?: string): Promise<string[]> {
  const iterable = prefix === undefined ? backend.keys() : backend.keys(prefix);
  check(
    typeof iterable?.[Symbol.asyncIterator] === 'function',
    'keys() must return an async iterable',
    `got ${describeValue(iterable)}`,
  );
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys;
}

function expectSameKeys(actual: string[], expected: string[], rule: string): void {
  for (const key of actual) {
    if (typeof key !== 'string')
      violation(rule, `keys() yielded ${describeValue(key)}, not a string`);
  }
  const sortedActual = [...actual].sort();
  const sortedExpected = [...expected].sort();
  if (JSON.stringify(sortedActual) !== JSON.stringify(sortedExpected)) {
    violation(
      rule,
      `expected ${JSON.stringify(sortedExpected)}, got ${JSON.stringify(sortedActual)}`,
    );
  }
}

/** keys(prefix?) (capability 'keys'). */
export const keyListingGroup: ConformanceGroup = {
  name: 'key listing',
  capability: 'keys',
  description:
    'keys() yields the live keys of this namespace, each once, filtered by a literal prefix',
  cases: [
    {
      name: "the backend implements the claimed 'keys' capability (keys)",
      why: 'a claimed capability with missing methods fails here by name',
      run: async (h) => {
        await h.createWith('keys');
      },
    },
    {
      name: 'keys() lists every live key once, as the original strings',
      why: 'catches SCAN duplicates and keys listed in their escaped or namespaced store form',
      run: async (h) => {
        const backend = await h.createWith('keys');
        const keys = ['a', 'b/c', 'with space', '🔑', '123', 'nul\u0000byte', 'x'.repeat(300)];
        for (const key of keys) await backend.set(key, utf8('v'));
        await backend.set('gone', utf8('v'));
        await backend.delete('gone');
        expectSameKeys(
          await listKeys(backend),
          keys,
          'keys() must list exactly the live keys (no namespace prefix, no deleted keys)',
        );
      },
    },
    {
      name: 'keys() of an empty namespace yields nothing',
      why: 'catches listings that fall back to the whole store',
      run: async (h) => {
        const backend = await h.createWith('keys');
        expectSameKeys(
          await listKeys(backend),
          [],
          'keys() of an empty namespace must yield nothing',
        );
      },
    },
    {
      name: 'keys(prefix) filters by a literal prefix (glob and LIKE characters are not patterns)',
      why: 'catches prefixes passed unescaped to MATCH or LIKE',
      run: async (h) => {
        const backend = await h.createWith('keys');
        for (const key of [
          'user:1',
          'user:2',
          'users',
          'other',
          'a*b',
          'a*c',
          'axb',
          'p%q',
          'pzq',
          'u_1',
          'uv1',
          '[x]1',
          'x1',
        ]) {
          await backend.set(key, utf8('v'));
        }
        expectSameKeys(
          await listKeys(backend, 'user:'),
          ['user:1', 'user:2'],
          "keys('user:') must list only keys starting with it",
        );
        expectSameKeys(
          await listKeys(backend, 'a*'),
          ['a*b', 'a*c'],
          "keys('a*') must treat * literally",
        );
        expectSameKeys(await listKeys(backend, 'p%'), ['p%q'], "keys('p%') must treat % literally");
        expectSameKeys(await listKeys(backend, 'u_'), ['u_1'], "keys('u_') must treat _ literally");
        expectSameKeys(
          await listKeys(backend, '[x]'),
          ['[x]1'],
          "keys('[x]') must treat [ ] literally",
        );
        expectSameKeys(
          await listKeys(backend, 'nothing'),
          [],
          'a prefix that matches nothing must yield nothing',
        );
      },
    },
    {
      name: 'keys() with a lone-surrogate or non-string prefix rejects with INVALID_ARGUMENT',
      why: 'catches prefixes that are never validated (they match nothing, or everything once coerced)',
      run: async (h) => {
        const backend = await h.createWith('keys');
        await backend.set('a\uD83D\uDE00', utf8('v'));
        for (const [label, prefix] of [
          ['a lone high surrogate', '\uD83D'],
          ['a prefix ending in a lone high surrogate', 'a\uD83D'],
          ['a lone low surrogate', '\uDE00'],
          ['a number', 5],
          ['null', null],
        ] as const) {
          await expectBackendError(
            () => listKeys(backend, prefix as string),
            { type: 'PERMANENT', code: 'INVALID_ARGUMENT', operation: 'keys' },
            `keys() with ${label} as the prefix must reject with PERMANENT INVALID_ARGUMENT (the contract: a prefix is undefined or well-formed)`,
          );
        }
        expectSameKeys(
          await listKeys(backend, ''),
          ['a\uD83D\uDE00'],
          "keys('') must list every key",
        );
      },
    },
    {
      name: 'keys() does not list expired keys',
      why: 'expired entries are invisible to every read path at once, listings too',
      run: async (h) => {
        const backend = await h.createWith('keys');
        const started = performance.now();
        await backend.set('short', utf8('v'), SHORT_TTL_MS);
        await backend.set('live', utf8('v'));
        await waitPastExpiry(started, SHORT_TTL_MS, h.slackMs);
        expectSameKeys(await listKeys(backend), ['live'], 'keys() must not list expired keys');
      },
    },
    {
      name: 'keys() does not list lock keys',
      why: 'catches lock entries stored beside data and listed with it',
      skip: (o) =>
        o.capabilities.includes('lock') ? undefined : "'lock' not claimed by this backend",
      run: async (h) => {
        const backend = await h.createWith('keys');
        const locking = requireClaimedCapability(backend, 'lock');
        const lock = await locking.acquireLock('job', { ttlMs: 30_000 });
        await backend.set('data', utf8('v'));
        const listed = await listKeys(backend);
        await lock?.release();
        expectSameKeys(listed, ['data'], 'keys() must not list lock records');
      },
    },
    {
      name: 'keys() does not list other namespaces',
      why: 'catches listings of the whole store',
      run: async (h) => {
        const backend = await h.createWith('keys');
        const other = await h.create(h.newNamespace());
        const prefixed = await h.create(`${h.namespace}x`);
        await backend.set('mine', utf8('v'));
        await other.set('theirs', utf8('v'));
        await prefixed.set('prefixed', utf8('v'));
        expectSameKeys(await listKeys(backend), ['mine'], 'keys() must list only this namespace');
      },
    },
  ],
};
