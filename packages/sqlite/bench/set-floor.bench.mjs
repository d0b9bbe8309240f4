// SqliteBackend.set (awaited) against its floor: a plain better-sqlite3 upsert
// on `kv(k TEXT PRIMARY KEY, v BLOB, exp INTEGER)` in its own file with the
// same pragmas (WAL, synchronous NORMAL, autocommit). The two sides run
// interleaved, round by round (which one goes first alternates), so load from
// other processes hits both alike; each round gives one ratio, backend time /
// plain time, and the table shows the median with the p25–p75 spread, for
// wall-clock time (what a caller waits, checkpoint I/O included) and for this
// process's CPU time (user + system: steadier on a machine shared with other
// jobs). Same-bytes rounds make 5× the calls (each call is cheaper).
// Run after `pnpm turbo run build --filter=@cachestack/sqlite...`:
//   node bench/set-floor.bench.mjs [rounds] [setsPerRound] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteBackend } from '../dist/index.js';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const rounds = Number(args[0] ?? 15);
const perRound = Number(args[1] ?? 2000);
const json = process.argv.includes('--json');
const keyCount = 10_000;
const valueBytes = 100;
const dir = mkdtempSync(join(tmpdir(), 'cachestack-sqlite-set-floor-'));
const keys = Array.from({ length: keyCount }, (_, i) => `user:${i}:profile`);
// Two fills per key: a "new bytes" set flips each key to the other one.
const fills = [Buffer.alloc(valueBytes, 7), Buffer.alloc(valueBytes, 8)];

function plainTable(file) {
  const db = new BetterSqlite3(join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB, exp INTEGER)');
  const upsert = db.prepare(
    'INSERT INTO kv (k, v, exp) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v, exp = excluded.exp',
  );
  return { db, set: (key, value) => upsert.run(key, value, null) };
}

/** Key and value of call `i` of a case: `newBytes` flips each key's value on every visit. */
function entry(i, newBytes) {
  const key = keys[i % keyCount];
  return [key, newBytes ? fills[Math.floor(i / keyCount) & 1] : fills[0]];
}

const cases = [
  { name: 'set, new bytes', options: {}, newBytes: true },
  { name: 'set, same bytes again', options: {}, newBytes: false, scale: 5 },
  {
    name: 'set, new bytes, maxEntries + maxBytes',
    options: { maxEntries: 1_000_000, maxBytes: 1_000_000_000 },
    newBytes: true,
  },
  {
    name: 'set, same bytes again, maxEntries + maxBytes',
    options: { maxEntries: 1_000_000, maxBytes: 1_000_000_000 },
    newBytes: false,
    scale: 5,
  },
];

/** Median and p25–p75 of `values`. */
function spread(values) {
  const sorted = values.toSorted((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
  };
}

function quantile(sorted, q) {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

const results = [];
for (const [index, benchCase] of cases.entries()) {
  const plain = plainTable(`plain-${index}.db`);
  const backend = new SqliteBackend({
    path: join(dir, `backend-${index}.db`),
    namespace: 'bench',
    purgeIntervalMs: 0,
    ...benchCase.options,
  });
  for (const key of keys) {
    plain.set(key, fills[0]);
    await backend.set(key, fills[0]);
  }
  const cursor = { plain: keyCount, backend: keyCount };
  const sides = {
    plain: async (n) => {
      for (let i = 0; i < n; i++) {
        const [key, value] = entry(cursor.plain++, benchCase.newBytes);
        plain.set(key, value);
      }
    },
    backend: async (n) => {
      for (let i = 0; i < n; i++) {
        const [key, value] = entry(cursor.backend++, benchCase.newBytes);
        await backend.set(key, value);
      }
    },
  };
  const calls = perRound * (benchCase.scale ?? 1);
  await sides.plain(calls); // warm-up
  await sides.backend(calls);
  const wall = [];
  const cpu = [];
  const opsPerSecond = { plain: [], backend: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['plain', 'backend'] : ['backend', 'plain'];
    const took = {};
    const used = {};
    for (const side of order) {
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      await sides[side](calls);
      took[side] = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuAfter = process.cpuUsage(cpuBefore);
      used[side] = cpuAfter.user + cpuAfter.system;
      opsPerSecond[side].push(calls / took[side]);
    }
    wall.push(took.backend / took.plain);
    cpu.push(used.backend / used.plain);
  }
  await backend.close();
  plain.db.close();
  results.push({
    name: benchCase.name,
    plainOps: spread(opsPerSecond.plain).median,
    backendOps: spread(opsPerSecond.backend).median,
    wall: spread(wall),
    cpu: spread(cpu),
  });
}
rmSync(dir, { recursive: true, force: true });

if (json) {
  console.log(JSON.stringify({ node: process.version, rounds, perRound, keyCount, results }));
} else {
  const format = (ops) => Math.round(ops).toLocaleString('en-US');
  const ratio = (x) => `${x.median.toFixed(2)}× (${x.p25.toFixed(2)}–${x.p75.toFixed(2)})`;
  console.log(
    `Node ${process.version}, ${keyCount} keys, ${valueBytes} B values, ${rounds} interleaved rounds of ${perRound} sets (same bytes: ${perRound * 5})\n`,
  );
  console.log(
    '| case | plain upsert (ops/s, median) | SqliteBackend (ops/s, median) | backend / plain wall time, median (p25–p75) | backend / plain CPU time, median (p25–p75) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of results) {
    console.log(
      `| ${row.name} | ${format(row.plainOps)} | ${format(row.backendOps)} | ${ratio(row.wall)} | ${ratio(row.cpu)} |`,
    );
  }
}
