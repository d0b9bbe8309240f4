// A five-minute tour of cachestack: run it with `bash scripts/demo.sh`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError, requireCapability } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { SqliteBackend } from '@cachestack/sqlite';
import { TieredBackend } from '@cachestack/tiered';

const text = (bytes) => (bytes === undefined ? 'undefined (a miss)' : `"${Buffer.from(bytes)}"`);
const step = (title) => console.log(`\n— ${title}`);

console.log('cachestack demo: one contract, several stores. Values are bytes.');

step('1. An in-memory cache with a TTL');
const memory = new MemoryBackend({ maxEntries: 1_000 });
await memory.set('greeting', Buffer.from('hello'), 300); // expires in 300 ms
console.log('get("greeting") right away  →', text(await memory.get('greeting')));
console.log('remaining TTL               →', Math.round(await memory.getTtl('greeting')), 'ms');
await sleep(350);
console.log('get("greeting") after 350 ms →', text(await memory.get('greeting')));

step('2. Bad input is rejected with a classified BackendError, and nothing changes');
try {
  await memory.set('answer', Buffer.from('42'), 0); // a TTL must be > 0 ms
} catch (error) {
  if (!(error instanceof BackendError)) throw error;
  console.log(`set with ttlMs 0 → ${error.type} ${error.code}: ${error.message}`);
}

step('3. Locks: only one worker gets to rebuild an expensive entry');
const locks = requireCapability(memory, 'lock');
const first = await locks.acquireLock('rebuild:report', { ttlMs: 5_000 });
const second = await locks.acquireLock('rebuild:report', { ttlMs: 5_000 });
console.log('first worker got the lock  →', first !== undefined);
console.log('second worker got the lock →', second !== undefined, '(it would serve the old copy)');
await first.release();

step('4. SQLite: two instances on one file see each other, namespaces stay apart');
const dir = mkdtempSync(join(tmpdir(), 'cachestack-demo-'));
const path = join(dir, 'cache.db');
const writer = new SqliteBackend({ path, namespace: 'users' });
const reader = new SqliteBackend({ path, namespace: 'users' });
const other = new SqliteBackend({ path, namespace: 'orders' });
await writer.set('user:1', Buffer.from('{"name":"Ada"}'), 60_000);
console.log('reader.get("user:1")         →', text(await reader.get('user:1')));
console.log('orders namespace get("user:1") →', text(await other.get('user:1')));
await other.clear();
console.log('after orders.clear(), users still has it →', await reader.exists('user:1'));

step('5. Two tiers: a memory L1 in front of the SQLite file');
const tiered = new TieredBackend({
  tiers: [
    { backend: new MemoryBackend(), name: 'L1 memory', maxTtlMs: 30_000 },
    { backend: new SqliteBackend({ path, namespace: 'users' }), name: 'L2 sqlite' },
  ],
});
console.log(
  'first get (L1 miss, read from SQLite, copied into L1) →',
  text(await tiered.get('user:1')),
);
console.log(
  'second get (L1 hit)                                 →',
  text(await tiered.get('user:1')),
);

step('6. Health checks never throw, and show each tier');
const health = await tiered.healthCheck();
for (const tier of health.details.tiers) {
  console.log(`${tier.name}: healthy=${tier.healthy} circuit=${tier.circuit}`);
}

await Promise.all([memory.close(), writer.close(), reader.close(), other.close(), tiered.close()]);
rmSync(dir, { recursive: true, force: true });
console.log(
  '\nDone. Next: README.md (packages and set-up) and packages/conformance (test your own backend).',
);
