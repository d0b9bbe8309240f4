import type { BaseBackend } from '@cachestack/core';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { KeyvCachestack } from '../src/index.js';
import { backendFixtures } from './support/backends.js';

// The official Keyv test suite (@keyv/test-suite 2.x, for Keyv 5) over every
// cachestack backend, called the way Keyv's own adapters call it: the store
// factory returns a new store over one shared backend per fixture, so the
// Keyv instances of one test see each other's writes (as @keyv/redis's
// tests share one Redis). The iterator tests need the `keys` capability,
// which every backend here has.
for (const fixture of backendFixtures()) {
  vitest.describe(`@keyv/test-suite over ${fixture.name}`, () => {
    let backend: BaseBackend | undefined;
    const store = () => {
      if (backend === undefined) throw new Error('the backend is created in beforeAll');
      return new KeyvCachestack({ backend, closeOnDisconnect: false });
    };
    vitest.beforeAll(async () => {
      backend = await fixture.create();
    });
    vitest.afterAll(async () => {
      await backend?.close();
      await fixture.destroy();
    });

    keyvTestSuite(vitest, Keyv, store);
    keyvIteratorTests(vitest, Keyv, store);
  });
}
