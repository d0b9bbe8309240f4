// A second process: `node cache-manager-wrap/lookup.mjs <redisUrl> <key> [loadMs]`
// reads `key` through `wrapAcrossProcesses` and prints one JSON line:
// { "value": …, "loaderRuns": 0 | 1 }.
import { createRedisCache, wrapAcrossProcesses } from './redis-cache.mjs';

const [redisUrl, key, loadMs = '0'] = process.argv.slice(2);
if (redisUrl === undefined || key === undefined) {
  console.error('usage: node cache-manager-wrap/lookup.mjs <redisUrl> <key> [loadMs]');
  process.exit(2);
}
const redisCache = createRedisCache({ redisUrl });
let loaderRuns = 0;
const value = await wrapAcrossProcesses(
  redisCache,
  key,
  async () => {
    loaderRuns += 1;
    await new Promise((resolve) => setTimeout(resolve, Number(loadMs)));
    return { key, loadedBy: process.pid };
  },
  60_000,
);
console.log(JSON.stringify({ value, loaderRuns }));
await redisCache.cache.disconnect(); // Keyv → KeyvCachestack → RedisBackend.close()
