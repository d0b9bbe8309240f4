// Two instances of the product service sharing one Redis: `pnpm tiered-service`
// (or `node tiered-web-service/start.mjs` from examples/). Uses REDIS_URL when
// it is set, otherwise starts its own redis-server. Ctrl+C stops everything.
import { ProductDatabase, SAMPLE_PRODUCTS } from './product-database.mjs';
import { startProductService } from './product-service.mjs';
import { startRedisServer } from './redis-process.mjs';

/** @type {import('./redis-process.mjs').RedisProcess | undefined} */
let ownRedis;
let redisUrl = process.env.REDIS_URL;
if (redisUrl === undefined || redisUrl === '') {
  try {
    ownRedis = await startRedisServer();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  redisUrl = ownRedis.url;
  process.once('exit', () => ownRedis?.stopNow()); // even if something below throws
}

const basePort = Number(process.env.PORT ?? 0);
const database = new ProductDatabase({ products: SAMPLE_PRODUCTS, delayMs: 500 });
const a = await startProductService({ name: 'A', redisUrl, database, port: basePort });
const b = await startProductService({
  name: 'B',
  redisUrl,
  database,
  port: basePort === 0 ? 0 : basePort + 1,
});

const redisNote = ownRedis ? `started by this script, pid ${ownRedis.pid}` : 'from REDIS_URL';
console.log(`cachestack tiered web service: memory L1 + Redis L2, two instances
  redis:      ${redisUrl} (${redisNote})
  instance A: ${a.url}
  instance B: ${b.url}

Try:
  curl -i ${a.url}/products/1     # X-Cache: miss (the slow database, ~500 ms)
  curl -i ${a.url}/products/1     # X-Cache: hit (L1 memory)
  curl -i ${b.url}/products/1     # X-Cache: hit (L2 Redis, now in B's L1 too)
  curl -i -X PUT ${a.url}/products/1 -H 'content-type: application/json' \\
       -d '{"name":"Split keyboard","priceCents":12900}'
  curl -i ${b.url}/products/1     # the new name: A's update dropped B's copy
  curl -s ${a.url}/health
Press Ctrl+C to stop.`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await Promise.all([a.close(), b.close()]);
  await ownRedis?.stop();
  console.log(
    'stopped: both instances closed, their Redis connections quit, own redis-server gone',
  );
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    shutdown().then(
      () => process.exit(0),
      (error) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  });
}
