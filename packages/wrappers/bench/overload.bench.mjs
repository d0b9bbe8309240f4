// 10,000 concurrent gets (and 10 KiB sets) against a paused Redis (CLIENT PAUSE), with and
// without LoadSheddingBackend: how long until every call settled, and how
// much memory the pile-up took (heap + array buffers at the peak, over the
// baseline). Each case runs in its own child process, so one case's garbage
// does not blur the next one's figure.
// Run after building: `npx tsup && node --expose-gc bench/overload.bench.mjs`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RedisBackend } from '@cachestack/redis';
import { Redis } from 'ioredis';
import { LoadSheddingBackend } from '../dist/index.js';
import { startRedis } from './redis-process.mjs';

const CALLS = Number(process.env.CALLS ?? 10_000);
const VALUE = Buffer.alloc(10 * 1024, 7);
const CASES = ['get', 'set 10 KiB'].flatMap((operation) => [
  [operation, false],
  [operation, true],
]);

function memory() {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

async function storm(name, backend, operation, admin) {
  await backend.set('k', Buffer.alloc(1024, 1));
  global.gc?.();
  const baseline = memory();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memory());
  }, 2);
  await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
  const started = performance.now();
  const outcomes = new Map();
  const calls = Array.from({ length: CALLS }, () =>
    (operation === 'get' ? backend.get('k') : backend.set(`k${Math.random()}`, VALUE))
      .then(
        () => 'ok',
        (error) => error.code,
      )
      .then((code) => outcomes.set(code, (outcomes.get(code) ?? 0) + 1)),
  );
  peak = Math.max(peak, memory()); // every call issued: the pile-up is at its largest
  await Promise.all(calls);
  const settled = performance.now() - started;
  peak = Math.max(peak, memory());
  clearInterval(sampler);
  await new Promise((resolve) => setTimeout(resolve, 1_600 - settled));
  await backend.close();
  return {
    case: `${operation}: ${name}`,
    'all settled (ms)': Math.round(settled),
    'peak extra memory (MB)': ((peak - baseline) / 1e6).toFixed(1),
    outcomes: [...outcomes].map(([code, count]) => `${code} ${count}`).join(', '),
  };
}

async function runCase(port, operation, shed) {
  const admin = new Redis({ port, host: '127.0.0.1' });
  const inner = new RedisBackend({
    url: `redis://127.0.0.1:${port}`,
    namespace: 'overload',
    commandTimeoutMs: 1_000,
  });
  const backend = shed
    ? new LoadSheddingBackend(inner, { maxInFlight: 100, maxQueued: 1_000, queueTimeoutMs: 200 })
    : inner;
  try {
    const name = shed ? 'LoadShedding(100 in flight, queue 1000 × 200 ms)' : 'no wrapper';
    return await storm(name, backend, operation, admin);
  } finally {
    admin.disconnect();
  }
}

if (process.argv[2] === 'case') {
  const [, , , port, operation, shed] = process.argv;
  console.log(JSON.stringify(await runCase(Number(port), operation, shed === 'shed')));
} else {
  const redis = await startRedis();
  try {
    const rows = CASES.map(([operation, shed]) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '--expose-gc',
            fileURLToPath(import.meta.url),
            'case',
            String(redis.port),
            operation,
            shed ? 'shed' : 'plain',
          ],
          { encoding: 'utf8' },
        ),
      ),
    );
    console.log(
      `Node ${process.version}: ${CALLS} concurrent calls, Redis paused 1.5 s, command timeout 1 s`,
    );
    console.table(rows);
  } finally {
    await redis.stop();
  }
}
