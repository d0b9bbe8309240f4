// How SqliteBackend's get and set cost grows with the number of stored keys
// (10k, 100k, 1M by default), next to a plain better-sqlite3 key/value table
// (`kv(k TEXT PRIMARY KEY, v BLOB, exp INTEGER)`, same pragmas) holding the
// same keys. Both files are filled first (batched), then each size gets
// interleaved rounds of awaited calls on random keys: get hits, and sets of
// new bytes to existing keys (each round writes a fill byte no key holds).
// Prints µs per call (median of the rounds, with p25–p75), wall-clock and this process's CPU time (user + system: steadier
// on a machine shared with other jobs; it leaves out waits for the disk). Run after `pnpm turbo run build --filter=@cachestack/sqlite...`:
//   node bench/scaling.bench.mjs [sizes, comma-separated] [rounds] [callsPerRound] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteBackend } from '../dist/index.js';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const sizes = (args[0] ?? '10000,100000,1000000').split(',').map(Number);
const rounds = Number(args[1] ?? 9);
const perRound = Number(args[2] ?? 5000);
const json = process.argv.includes('--json');
const valueBytes = 100;
const fill = Buffer.alloc(valueBytes, 7);
const keyOf = (i) => `user:${i}:profile`;

/** A deterministic pseudo-random sequence (xorshift), so both sides read the same keys. */
function randomKeys(count, seed, n) {
  let x = seed | 1;
  return Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return keyOf((x >>> 0) % count);
  });
}

function quantile(sorted, q) {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

function summary(values) {
  const sorted = values.toSorted((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
  };
}

const results = [];
for (const count of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'cachestack-sqlite-scaling-'));
  const backend = new SqliteBackend({ path: join(dir, 'backend.db'), purgeIntervalMs: 0 });
  const plain = new BetterSqlite3(join(dir, 'plain.db'));
  plain.pragma('journal_mode = WAL');
  plain.pragma('synchronous = NORMAL');
  plain.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB, exp INTEGER)');
  const plainSet = plain.prepare(
    'INSERT INTO kv (k, v, exp) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v, exp = excluded.exp',
  );
  const plainGet = plain.prepare('SELECT v, exp FROM kv WHERE k = ?').raw();
  const fillPlain = plain.transaction((from, to) => {
    for (let i = from; i < to; i++) plainSet.run(keyOf(i), fill, null);
  });
  const started = performance.now();
  for (let from = 0; from < count; from += 10_000) {
    const to = Math.min(count, from + 10_000);
    fillPlain(from, to);
    await backend.setMany(
      Array.from({ length: to - from }, (_, i) => ({ key: keyOf(from + i), value: fill })),
    );
  }
  const fillSeconds = (performance.now() - started) / 1000;

  // Each set round writes bytes no key holds yet (a new fill byte per call of a side).
  let fillByte = 7;
  const cases = {
    get: {
      plain: (keys) => {
        for (const key of keys) {
          const row = plainGet.get(key);
          if (row !== undefined && (row[1] === null || row[1] > Date.now())) Buffer.from(row[0]);
        }
      },
      backend: async (keys) => {
        for (const key of keys) await backend.get(key);
      },
    },
    set: {
      plain: (keys) => {
        const bytes = Buffer.alloc(valueBytes, ++fillByte % 256);
        for (const key of keys) plainSet.run(key, bytes, null);
      },
      backend: async (keys) => {
        const bytes = Buffer.alloc(valueBytes, ++fillByte % 256);
        for (const key of keys) await backend.set(key, bytes);
      },
    },
  };
  for (const [operation, sides] of Object.entries(cases)) {
    const micros = { plain: [], backend: [] };
    const cpuMicros = { plain: [], backend: [] };
    for (let round = 0; round <= rounds; round++) {
      const keys = randomKeys(count, round * 7919 + count, perRound);
      const order = round % 2 === 0 ? ['plain', 'backend'] : ['backend', 'plain'];
      for (const side of order) {
        const cpuBefore = process.cpuUsage();
        const t = performance.now();
        await sides[side](keys);
        const cpu = process.cpuUsage(cpuBefore);
        // Round 0 warms up (page cache, statement caches) and is not counted.
        if (round > 0) {
          micros[side].push(((performance.now() - t) * 1000) / perRound);
          cpuMicros[side].push((cpu.user + cpu.system) / perRound);
        }
      }
    }
    results.push({
      keys: count,
      operation,
      fillSeconds,
      plain: summary(micros.plain),
      backend: summary(micros.backend),
      plainCpu: summary(cpuMicros.plain),
      backendCpu: summary(cpuMicros.backend),
    });
  }
  await backend.close();
  plain.close();
  rmSync(dir, { recursive: true, force: true });
}

if (json) {
  console.log(JSON.stringify({ node: process.version, rounds, perRound, results }));
} else {
  const us = (s) => `${s.median.toFixed(2)} (${s.p25.toFixed(2)}–${s.p75.toFixed(2)})`;
  console.log(
    `Node ${process.version}, ${valueBytes} B values, random existing keys, ${rounds} interleaved rounds of ${perRound} calls\n`,
  );
  console.log(
    '| keys | operation | plain kv table, wall µs/call (p25–p75) | SqliteBackend, wall µs/call (p25–p75) | plain, CPU µs/call | SqliteBackend, CPU µs/call |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const row of results) {
    console.log(
      `| ${row.keys.toLocaleString('en-US')} | ${row.operation} | ${us(row.plain)} | ${us(row.backend)} | ${us(row.plainCpu)} | ${us(row.backendCpu)} |`,
    );
  }
}
