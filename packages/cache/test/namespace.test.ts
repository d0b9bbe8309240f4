import { ReferenceBackend } from '@cachestack/test-support';
import { describe, expect, test } from 'vitest';
import { createCache } from '../src/index.js';

describe('namespaces', () => {
  test('keys are stored as namespace:key and nested namespaces compose', async () => {
    const backend = new ReferenceBackend();
    const app = createCache({ backend, namespace: 'app' });
    const users = app.namespace('users');
    await app.set('x', 1);
    await users.set('x', 2);
    expect(backend.rawKeys().sort()).toEqual(['app:users:x', 'app:x']);
    expect(users.namespaceName).toBe('app:users');
    expect(users.storeKey('42')).toBe('app:users:42');
    expect(await app.get('x')).toBe(1);
    expect(await users.get('x')).toBe(2);
  });

  test('namespaces with the same key do not see each other', async () => {
    const backend = new ReferenceBackend();
    const a = createCache({ backend, namespace: 'a' });
    const b = createCache({ backend, namespace: 'b' });
    await a.set('k', 'from a');
    expect(await b.get('k')).toBeUndefined();
    expect(await b.delete('k')).toBe(false);
    expect(await a.get('k')).toBe('from a');
  });

  test('clear removes only its own prefix (and its sub-namespaces)', async () => {
    const backend = new ReferenceBackend();
    const root = createCache({ backend });
    const app = root.namespace('app');
    const users = app.namespace('users');
    const other = root.namespace('other');
    await root.set('plain', 0);
    await app.set('a', 1);
    await users.set('u', 2);
    await other.set('o', 3);
    await users.clear();
    expect(await users.get('u')).toBeUndefined();
    expect(await app.get('a')).toBe(1);
    await app.clear();
    expect(await app.get('a')).toBeUndefined();
    expect(await other.get('o')).toBe(3);
    expect(await root.get('plain')).toBe(0);
    expect(backend.calls.clear).toBeUndefined();
    expect(backend.rawKeys().sort()).toEqual(['other:o', 'plain']);
  });

  test('clear of a namespace deletes many keys in chunks', async () => {
    const backend = new ReferenceBackend();
    const ns = createCache({ backend, namespace: 'bulk' });
    await ns.setMany(Array.from({ length: 1_200 }, (_, i) => ({ key: `k${i}`, value: i })));
    await backend.set('bulky', new Uint8Array([1]));
    await ns.clear();
    expect(backend.rawKeys()).toEqual(['bulky']);
    expect(backend.calls.deleteMany).toBe(3);
  });

  test('a namespaced key longer than 1024 bytes in total is INVALID_KEY', async () => {
    const cache = createCache({ backend: new ReferenceBackend(), namespace: 'ns' });
    await expect(cache.set('x'.repeat(1023), 1)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await cache.set('x'.repeat(1021), 1);
    expect(await cache.get('x'.repeat(1021))).toBe(1);
  });

  test('namespaces share stats and events with their parent', async () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    const keys: string[] = [];
    cache.on('set', (event) => keys.push(`${event.key}@${event.storeKey}`));
    await cache.namespace('n').set('k', 1);
    expect(keys).toEqual(['k@n:k']);
    expect(cache.stats().sets).toBe(1);
  });

  test('invalid namespace names are rejected', () => {
    const cache = createCache({ backend: new ReferenceBackend() });
    expect(() => cache.namespace('')).toThrow(TypeError);
    expect(() => cache.namespace(5 as never)).toThrow(/namespace/);
  });
});
