import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from '@cachestack/conformance';
import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { afterAll } from 'vitest';
import { LocalInvalidationBus, TieredBackend } from '../src/index.js';
import { FaultableTiers } from './support/faultable-tiers.js';

// Short open time so "the same instance recovers" does not wait 5 s for a breaker.
const breaker = { circuitBreaker: { resetTimeoutMs: 100 } };

const memoryTiers = new FaultableTiers();
describeBackendConformance('tiered(memory L1, memory L2)', {
  create: () =>
    new TieredBackend({
      tiers: [
        { backend: memoryTiers.wrap(new MemoryBackend()), ...breaker },
        { backend: memoryTiers.wrap(new MemoryBackend()), ...breaker },
      ],
    }),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  tracingChannel: 'cachestack:tiered',
  sharedStore: false,
  faults: memoryTiers.faults(),
  cleanup: async () => memoryTiers.reset(),
});

// Two instances with the same namespace share the SQLite file (L2) but each
// has its own memory L1: the in-process invalidation bus drops the other
// instance's L1 copies on every write, so the shared-store cases hold.
const directory = mkdtempSync(join(tmpdir(), 'cachestack-tiered-conformance-'));
const sqlitePath = join(directory, 'cache.db');
const bus = new LocalInvalidationBus();
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const sqliteTiers = new FaultableTiers();
describeBackendConformance('tiered(memory L1, sqlite L2)', {
  create: ({ namespace }) =>
    new TieredBackend({
      tiers: [
        { backend: sqliteTiers.wrap(new MemoryBackend()), ...breaker },
        {
          backend: sqliteTiers.wrap(new SqliteBackend({ path: sqlitePath, namespace })),
          ...breaker,
        },
      ],
      invalidation: { bus, namespace },
    }),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  tracingChannel: 'cachestack:tiered',
  sharedStore: true,
  faults: sqliteTiers.faults(),
  cleanup: async () => sqliteTiers.reset(),
});
