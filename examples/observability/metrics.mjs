import { createServer } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/**
 * A Prometheus exporter served on `GET /metrics` by our own HTTP server on
 * a free loopback port (the exporter's built-in server needs a fixed port).
 * @typedef {object} MetricsEndpoint
 * @property {PrometheusExporter} exporter - the metric reader to give the `MeterProvider`
 * @property {string} url - `http://127.0.0.1:<port>/metrics`
 * @property {() => Promise<void>} close - stops the server
 */

/**
 * @param {number} [port] - 0 picks a free one
 * @returns {Promise<MetricsEndpoint>}
 */
export async function startMetricsEndpoint(port = 0) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') {
      exporter.getMetricsRequestHandler(request, response);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    exporter,
    url: `http://127.0.0.1:${address.port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

/**
 * One sample of a Prometheus text exposition.
 * @typedef {object} Sample
 * @property {string} name
 * @property {Record<string, string>} labels
 * @property {number} value
 */

/**
 * The samples of a scrape (`# HELP` / `# TYPE` lines skipped).
 * @param {string} text
 * @returns {Sample[]}
 */
export function parseSamples(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match === null) continue;
    /** @type {Record<string, string>} */
    const labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[/** @type {string} */ (key)] = /** @type {string} */ (value);
    }
    samples.push({ name: /** @type {string} */ (match[1]), labels, value: Number(match[3]) });
  }
  return samples;
}

/**
 * Sums the samples named `name` whose labels include `match`.
 * @param {Sample[]} samples
 * @param {string} name
 * @param {Record<string, string>} [match]
 */
export function sum(samples, name, match = {}) {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(match).every(([key, value]) => sample.labels[key] === value)) {
      total += sample.value;
    }
  }
  return total;
}

/**
 * The hit ratio of each tier of the tiered backends, from the
 * `cachestack_lookups_total` series of the `tiered` layer: L1 answered
 * `cachestack_tier="0"` of all reads; L2 answered `cachestack_tier="1"` of
 * the reads L1 missed.
 * @param {Sample[]} samples
 * @returns {{ tier: string, hits: number, reads: number }[]}
 */
export function hitRatiosPerTier(samples) {
  const lookups = 'cachestack_lookups_total';
  const tiered = { cachestack_layer: 'tiered' };
  let reads = sum(samples, lookups, tiered);
  const tiers = [];
  for (const [index, tier] of ['L1 memory', 'L2 redis'].entries()) {
    const hits = sum(samples, lookups, { ...tiered, cachestack_tier: String(index) });
    tiers.push({ tier, hits, reads });
    reads -= hits;
  }
  return tiers;
}
