// Observability of a tiered memory + Redis cache: `pnpm observability` (or
// `node observability/start.mjs` from examples/). Two instances of an app
// cache share one Redis; @cachestack/otel records their operations as
// OpenTelemetry metrics, the Prometheus exporter serves them, and this script
// scrapes /metrics and prints the hit ratio of each tier. Uses REDIS_URL when
// it is set, otherwise starts its own redis-server; stops everything it
// started before it exits.
import { instrumentCachestack } from '@cachestack/otel';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startRedisServer } from '../tiered-web-service/redis-process.mjs';
import { createCacheInstance } from './cache-instance.mjs';
import { hitRatiosPerTier, parseSamples, startMetricsEndpoint, sum } from './metrics.mjs';

const PRODUCTS = 10;
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @type {import('../tiered-web-service/redis-process.mjs').RedisProcess | undefined} */
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

// 1. OpenTelemetry: a meter provider read by the Prometheus exporter, and the instrumentation.
const endpoint = await startMetricsEndpoint(Number(process.env.METRICS_PORT ?? 0));
const meterProvider = new MeterProvider({ readers: [endpoint.exporter] });
const instrumentation = instrumentCachestack({ meterProvider, spans: false });

// 2. Two app instances over one Redis (a fresh namespace per run).
const namespace = `observability-${process.pid}-${Date.now()}`;
const a = createCacheInstance(redisUrl, namespace);
const b = createCacheInstance(redisUrl, namespace);
let loads = 0;
/** @param {number} id */
const product = (id) => async () => {
  loads++; // the slow database
  return { id, name: `Product ${id}` };
};
/** @param {import('./cache-instance.mjs').CacheInstance} instance */
const readAll = async (instance) => {
  for (let id = 1; id <= PRODUCTS; id++)
    await instance.cache.getOrSet(`product:${id}`, product(id));
};

/** The current scrape's samples. */
const scrape = async () => parseSamples(await (await fetch(endpoint.url)).text());
const received = async () =>
  sum(await scrape(), 'cachestack_invalidation_messages_total', {
    cachestack_invalidation_kind: 'received',
  });

try {
  // 3. The workload.
  await readAll(a); // A: every product loaded from the database once
  await readAll(a); // A: L1 hits
  await readAll(a);
  await readAll(b); // B: L1 misses, L2 hits (copied into B's L1)
  await readAll(b); // B: L1 hits
  const before = await received();
  await a.cache.set('product:1', { id: 1, name: 'Product 1, renamed' }); // drops B's L1 copy
  for (let waited = 0; (await received()) <= before && waited < 5_000; waited += 20)
    await sleep(20);
  await b.cache.getOrSet('product:1', product(1)); // B: L1 miss, L2 hit

  // 4. Scrape and report.
  const samples = await scrape();
  console.log(`metrics: ${endpoint.url} (${samples.length} samples)`);
  console.log(
    `redis: ${redisUrl} (${ownRedis ? `started by this script, pid ${ownRedis.pid}` : 'from REDIS_URL'})`,
  );
  console.log(`database loads: ${loads}`);
  for (const { tier, hits, reads } of hitRatiosPerTier(samples)) {
    const ratio = reads === 0 ? 0 : (100 * hits) / reads;
    console.log(`${tier}: ${hits} hits / ${reads} reads = ${ratio.toFixed(1)}%`);
  }
  const facade = { cachestack_layer: 'cache', cachestack_operation: 'getOrSet' };
  const facadeHits = sum(samples, 'cachestack_lookups_total', {
    ...facade,
    cachestack_result: 'hit',
  });
  const facadeReads = sum(samples, 'cachestack_lookups_total', facade);
  const facadeRatio = facadeReads === 0 ? 0 : (100 * facadeHits) / facadeReads;
  console.log(
    `cache getOrSet: ${facadeHits} hits / ${facadeReads} calls = ${facadeRatio.toFixed(1)}%`,
  );
  console.log(`invalidation messages received: ${await received()}`);
  console.log('tiered lookups, as scraped:');
  for (const sample of samples) {
    if (sample.name !== 'cachestack_lookups_total' || sample.labels.cachestack_layer !== 'tiered')
      continue;
    const { cachestack_tier: tier = '-', cachestack_result: result } = sample.labels;
    console.log(
      `  cachestack_lookups_total{cachestack_layer="tiered",cachestack_tier="${tier}",cachestack_result="${result}"} ${sample.value}`,
    );
  }
  await a.cache.clear(); // leave nothing behind in Redis
} finally {
  await Promise.all([a.close(), b.close()]);
  instrumentation.disable();
  await meterProvider.shutdown();
  await endpoint.close();
  await ownRedis?.stop();
}
console.log('stopped: both instances closed, metrics server closed, own redis-server gone');
