import { describeBackendConformance } from '@cachestack/conformance';
import { MemoryBackend } from '@cachestack/memory';
import { RedisBackend } from '@cachestack/redis';
import { RedisServer } from '@cachestack/test-support';
import { afterAll } from 'vitest';
import { LocalInvalidationBus, TieredBackend } from '../src/index.js';
import { FaultableTiers } from './support/faultable-tiers.js';

// The kit on tiered(memory L1, Redis L2) against a real redis-server. The
// instances of one namespace share Redis; the in-process bus keeps their
// separate memory L1s coherent (RedisInvalidationBus is tested on its own in
// redis-invalidation.test.ts, where delivery is asynchronous).
//
// "The store is unavailable" stops the real redis-server AND takes the
// memory L1 away: a tiered cache keeps serving L1 hits while only L2 is
// down (that is its purpose; see redis-failover.test.ts).
const server = await RedisServer.start();
const bus = new LocalInvalidationBus();
const tiers = new FaultableTiers();
afterAll(() => server.destroy());

describeBackendConformance('tiered(memory L1, redis L2)', {
  create: ({ namespace }) =>
    new TieredBackend({
      tiers: [
        { backend: tiers.wrap(new MemoryBackend()), circuitBreaker: { resetTimeoutMs: 100 } },
        {
          backend: new RedisBackend({ url: server.url, namespace, commandTimeoutMs: 2_000 }),
          circuitBreaker: { resetTimeoutMs: 100 },
        },
      ],
      invalidation: { bus, namespace },
    }),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  sharedStore: true,
  // The first command of a fresh RedisBackend also opens its connection; on
  // a loaded machine that can delay the entry's start (and expiry) by tens of ms.
  timingSlackMs: 200,
  faults: tiers.faults({ down: () => server.stop('SIGKILL'), up: () => server.restart() }),
  cleanup: async () => tiers.reset(),
});
