// `pnpm cache-manager-wrap`: cache-manager's `wrap` over cachestack's Redis
// backend, on REDIS_URL or on a redis-server this script starts and stops.
import { startRedisServer } from '../tiered-web-service/redis-process.mjs';
import { createRedisCache } from './redis-cache.mjs';

const redis = process.env.REDIS_URL ? undefined : await startRedisServer();
const redisUrl = process.env.REDIS_URL ?? redis?.url ?? '';
const { cache, backend } = createRedisCache({ redisUrl });
try {
  let queries = 0;
  const findProduct = async (id) => ({ id, name: `Product ${id}`, query: ++queries });

  const first = await cache.wrap('p1', () => findProduct('p1'), 500); // miss: loads, TTL 500 ms
  const second = await cache.wrap('p1', () => findProduct('p1'), 500); // hit: from Redis
  console.log('first:', JSON.stringify(first), 'second:', JSON.stringify(second));
  console.log('ms left in Redis:', await backend.getTtl('products:p1'));
  await new Promise((resolve) => setTimeout(resolve, 600));
  const third = await cache.wrap('p1', () => findProduct('p1'), 500); // expired: loads again
  console.log('after the TTL:', JSON.stringify(third), `queries: ${queries}`);
} finally {
  await cache.disconnect();
  await redis?.stop();
}
