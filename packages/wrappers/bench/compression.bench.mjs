// Compression ratio and speed of CompressionBackend on a generated JSON
// corpus (API-style user records, log lines and nested documents, 1–64 KiB),
// for each algorithm and a few levels, over a MemoryBackend.
// Run after building: `npx tsup && node bench/compression.bench.mjs`.
import { MemoryBackend } from '@cachestack/memory';
import { CompressionBackend, zstdAvailable } from '../dist/index.js';

const DOCS = Number(process.env.DOCS ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function corpus() {
  const random = seeded(42);
  const words = [
    'alpha',
    'beta',
    'gamma',
    'delta',
    'order',
    'cart',
    'user',
    'paid',
    'shipped',
    'error',
    'timeout',
  ];
  const pick = (list) => list[Math.floor(random() * list.length)];
  const docs = [];
  for (let d = 0; d < DOCS; d += 1) {
    const target = 1024 * 2 ** Math.floor(random() * 7); // 1 KiB … 64 KiB
    const kind = d % 3;
    const items = [];
    while (JSON.stringify(items).length < target) {
      if (kind === 0) {
        items.push({
          id: Math.floor(random() * 1e6),
          name: `${pick(words)} ${pick(words)}`,
          email: `${pick(words)}${Math.floor(random() * 1e4)}@example.com`,
          score: Math.round(random() * 1e4) / 100,
          tags: [pick(words), pick(words)],
        });
      } else if (kind === 1) {
        items.push({
          ts: new Date(1.7e12 + Math.floor(random() * 1e9)).toISOString(),
          level: pick(['info', 'warn', 'error']),
          msg: `${pick(words)} ${pick(words)} ${pick(words)}`,
          latencyMs: Math.floor(random() * 500),
          requestId: Math.floor(random() * 2 ** 32).toString(16),
        });
      } else {
        items.push({
          order: {
            id: Math.floor(random() * 1e7),
            status: pick(words),
            lines: Array.from({ length: 3 }, () => ({
              sku: Math.floor(random() * 1e5),
              qty: 1 + Math.floor(random() * 5),
              price: Math.round(random() * 1e4) / 100,
            })),
          },
        });
      }
    }
    docs.push(Buffer.from(JSON.stringify(items)));
  }
  return docs;
}

const docs = corpus();
const totalBytes = docs.reduce((sum, doc) => sum + doc.length, 0);
const settings = [
  ['gzip', 1],
  ['gzip', 6],
  ['brotli', 1],
  ['brotli', 4],
  ['brotli', 9],
  ...(zstdAvailable() ? [['zstd', 3]] : []),
];

const rows = [];
for (const [algorithm, level] of settings) {
  const store = new MemoryBackend();
  const backend = new CompressionBackend(store, { algorithm, level, closeInner: false });
  const writes = [];
  const reads = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    let started = process.hrtime.bigint();
    for (let i = 0; i < docs.length; i += 1) await backend.set(`d${i}`, docs[i]);
    writes.push(Number(process.hrtime.bigint() - started) / 1e9);
    started = process.hrtime.bigint();
    for (let i = 0; i < docs.length; i += 1) await backend.get(`d${i}`);
    reads.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  let stored = 0;
  for (let i = 0; i < docs.length; i += 1) stored += (await store.get(`d${i}`)).length;
  const best = (list) => Math.min(...list);
  rows.push({
    algorithm: `${algorithm} ${level}`,
    ratio: `${(totalBytes / stored).toFixed(2)}×`,
    'stored %': ((100 * stored) / totalBytes).toFixed(1),
    'set MB/s': (totalBytes / 1e6 / best(writes)).toFixed(0),
    'get MB/s': (totalBytes / 1e6 / best(reads)).toFixed(0),
  });
  await backend.close();
  await store.close();
}
console.log(
  `Node ${process.version}: ${docs.length} JSON documents, ${(totalBytes / 1e6).toFixed(1)} MB, best of ${ROUNDS} rounds (sequential set / get of every document)`,
);
console.table(rows);
