import {
  check,
  expectBackendError,
  expectBytes,
  expectResolves,
  utf8,
  violation,
} from '../assertions.js';
import type { ConformanceGroup } from '../conformance-case.js';

/** Section A: set/get/delete/exists on every backend. */
export const baseContractGroup: ConformanceGroup = {
  name: 'base contract',
  description:
    'set, get, delete and exists; every method returns a Promise; namespaces are isolated',
  cases: [
    {
      name: 'backendType is a non-empty string',
      why: 'health reports and errors name the backend by it; a backend that leaves it empty or undefined is anonymous in every log',
      run: async (h) => {
        const backend = await h.create();
        check(
          typeof backend.backendType === 'string' && backend.backendType.length > 0,
          'backendType must be a non-empty string',
          `got ${String(backend.backendType)}`,
        );
      },
    },
    {
      name: 'set then get returns identical bytes',
      why: 'the first promise of a store; catches encodings that change bytes (UTF-8 round trips of binary, base64 slips, trailing padding)',
      run: async (h) => {
        const backend = await h.create();
        const value = utf8('hello, world');
        await expectResolves(backend.set('greeting', value), 'set of a valid entry must resolve');
        const got = await backend.get('greeting');
        expectBytes(got, utf8('hello, world'), 'get after set must return the stored bytes');
      },
    },
    {
      name: 'set resolves undefined',
      why: 'callers must not come to rely on a store-specific return value (an OK string, a row count)',
      run: async (h) => {
        const backend = await h.create();
        const result = await backend.set('k', utf8('v'));
        check(result === undefined, 'set must resolve undefined', `it resolved ${String(result)}`);
      },
    },
    {
      name: 'get of a key never set resolves undefined',
      why: 'a miss must be undefined, not null, an empty array or a rejection',
      run: async (h) => {
        const backend = await h.create();
        const got = await expectResolves(
          backend.get('never-set'),
          'get of a missing key must not reject',
        );
        check(
          got === undefined,
          'get of a missing key must resolve undefined',
          `got ${String(got)}`,
        );
      },
    },
    {
      name: 'a second set overwrites the first (last write wins)',
      why: 'catches insert-only writes (INSERT without UPSERT, NX) that keep the first value',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('first'));
        await backend.set('k', utf8('second, longer value'));
        expectBytes(await backend.get('k'), utf8('second, longer value'), 'the last set must win');
        await backend.set('k', utf8('3'));
        expectBytes(
          await backend.get('k'),
          utf8('3'),
          'a shorter overwrite must not keep old bytes',
        );
      },
    },
    {
      name: 'delete of a live key resolves true; then get is undefined and exists is false',
      why: 'catches deletes that report success but leave the entry, or leave it visible to exists',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('k', utf8('v'));
        const deleted = await backend.delete('k');
        check(deleted === true, 'delete of a live key must resolve true', `got ${String(deleted)}`);
        const got = await backend.get('k');
        check(got === undefined, 'get after delete must resolve undefined', `got ${String(got)}`);
        const exists = await backend.exists('k');
        check(exists === false, 'exists after delete must resolve false', `got ${String(exists)}`);
      },
    },
    {
      name: 'delete of a missing key resolves false',
      why: 'pinned: callers count deletions; a backend that always answers true passes every other delete check',
      run: async (h) => {
        const backend = await h.create();
        const deleted = await backend.delete('missing');
        check(
          deleted === false,
          'delete of a missing key must resolve false (pinned)',
          `got ${String(deleted)}`,
        );
        await backend.set('k', utf8('v'));
        await backend.delete('k');
        const again = await backend.delete('k');
        check(
          again === false,
          'delete of an already deleted key must resolve false',
          `got ${String(again)}`,
        );
      },
    },
    {
      name: 'delete leaves other keys intact',
      why: 'catches deletes by pattern or prefix that take neighbours with them',
      run: async (h) => {
        const backend = await h.create();
        await backend.set('a', utf8('A'));
        await backend.set('b', utf8('B'));
        await backend.set('ab', utf8('AB'));
        await backend.delete('a');
        expectBytes(await backend.get('b'), utf8('B'), 'delete must not touch other keys');
        expectBytes(
          await backend.get('ab'),
          utf8('AB'),
          'delete must not touch keys sharing a prefix',
        );
      },
    },
    {
      name: 'exists is true for a live key and false for a missing one',
      why: 'exists has its own code path (EXISTS, a stat, a COUNT query) and can disagree with get',
      run: async (h) => {
        const backend = await h.create();
        const before = await backend.exists('k');
        check(
          before === false,
          'exists of a missing key must resolve false',
          `got ${String(before)}`,
        );
        await backend.set('k', utf8('v'));
        const after = await backend.exists('k');
        check(after === true, 'exists of a live key must resolve true', `got ${String(after)}`);
      },
    },
    {
      name: 'every method returns a Promise, even for invalid input',
      why: 'a synchronous throw escapes try/await patterns and .catch() handlers of callers',
      run: async (h) => {
        const backend = await h.create();
        const calls: [string, () => unknown][] = [
          ['get', () => backend.get('k')],
          ['set', () => backend.set('k', utf8('v'))],
          ['exists', () => backend.exists('k')],
          ['delete', () => backend.delete('k')],
          ['healthCheck', () => backend.healthCheck()],
        ];
        for (const [name, call] of calls) {
          let result: unknown;
          try {
            result = call();
          } catch (error) {
            violation(`${name} must return a Promise`, `it threw synchronously: ${String(error)}`);
          }
          check(
            result instanceof Promise || typeof (result as Promise<unknown>)?.then === 'function',
            `${name} must return a Promise`,
            `it returned ${typeof result}`,
          );
          await result;
        }
        await expectBackendError(
          () => backend.get(''),
          { type: 'PERMANENT', code: 'INVALID_KEY' },
          'get with an invalid key must return a rejected Promise, not throw synchronously',
        );
        await expectBackendError(
          () => backend.set('k', utf8('v'), -1),
          { type: 'PERMANENT', code: 'INVALID_TTL' },
          'set with an invalid ttl must return a rejected Promise, not throw synchronously',
        );
      },
    },
    {
      name: 'two namespaces are isolated',
      why: 'catches backends that ignore or mis-apply the namespace, so two tenants share entries',
      run: async (h) => {
        const first = await h.create();
        const second = await h.create(h.newNamespace());
        await first.set('shared-name', utf8('first'));
        const seen = await second.get('shared-name');
        check(
          seen === undefined,
          'a key written in one namespace must be invisible in another',
          `the other namespace read ${String(seen && Buffer.from(seen).toString())}`,
        );
        await second.set('shared-name', utf8('second'));
        expectBytes(
          await first.get('shared-name'),
          utf8('first'),
          'a write in another namespace must not overwrite this one',
        );
        await second.delete('shared-name');
        expectBytes(
          await first.get('shared-name'),
          utf8('first'),
          'a delete in another namespace must not remove this key',
        );
      },
    },
  ],
};
