// Compares FileBackend get/set with raw fs on the same bytes and prints a
// Markdown table. Build first (`npx tsup`), then `pnpm bench`.
//
// raw set = writeFile(temp) + rename(temp, target); raw get = readFile(target).
// Raw and backend operations alternate one by one, so both see the same load
// from other processes; the table shows the median latency of each.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBackend } from '../dist/index.js';

const SIZES = [
  { label: '1 KiB', bytes: 1024, iterations: 3000 },
  { label: '64 KiB', bytes: 64 * 1024, iterations: 1500 },
  { label: '1 MiB', bytes: 1024 * 1024, iterations: 300 },
];
const KEYS = 64;

async function timed(fn) {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e3;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const dir = await mkdtemp(join(tmpdir(), 'cachestack-file-bench-'));
const rawDir = join(dir, 'raw');
await mkdir(rawDir);
const backend = new FileBackend({ directory: join(dir, 'cache'), sweepIntervalMs: 0 });
const rows = [];
try {
  for (const { label, bytes, iterations } of SIZES) {
    const value = Buffer.alloc(bytes, 7);
    const samples = { rawSet: [], fileSet: [], rawGet: [], fileGet: [] };
    for (let i = 0; i < iterations; i++) {
      const key = `k${i % KEYS}`;
      samples.rawSet.push(
        await timed(async () => {
          const temp = join(rawDir, `.tmp-${i}`);
          await writeFile(temp, value);
          await rename(temp, join(rawDir, key));
        }),
      );
      samples.fileSet.push(await timed(() => backend.set(key, value)));
    }
    for (let i = 0; i < iterations; i++) {
      const key = `k${i % KEYS}`;
      samples.rawGet.push(await timed(() => readFile(join(rawDir, key))));
      samples.fileGet.push(await timed(() => backend.get(key)));
    }
    rows.push([label, 'set', median(samples.rawSet), median(samples.fileSet)]);
    rows.push([label, 'get', median(samples.rawGet), median(samples.fileGet)]);
  }
} finally {
  await backend.close();
  await rm(dir, { recursive: true, force: true });
}

const us = (value) => `${value.toFixed(1)} µs`;
console.log(`Node ${process.version}, median latency, durability 'none', ${tmpdir()}\n`);
console.log('| value | op | raw fs | FileBackend | ratio |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [label, op, raw, file] of rows) {
  console.log(`| ${label} | ${op} | ${us(raw)} | ${us(file)} | ${(file / raw).toFixed(2)}× |`);
}
