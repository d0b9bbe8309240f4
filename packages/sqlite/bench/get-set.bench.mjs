// Awaited SqliteBackend get/set against the floor of the repository's
// published report (benchmarks/src/floors.mjs): a plain key/value table
// `kv(k TEXT PRIMARY KEY, v BLOB, exp INTEGER)` in its own file with the same
// pragmas (WAL, synchronous NORMAL), one prepared
// `SELECT v ... WHERE k = ? AND (exp IS NULL OR exp > ?)` per get and one
// prepared upsert per set (autocommit). 10,000 keys, values of each size
// filled like the report's ((i * 31 + 7) & 0xff). Cases: get hit, get miss,
// set of the same bytes again (as the report's "set"), set of new bytes
// (each visit of a key flips its value), and 90/10 get/set (same bytes), each
// without limits and with maxEntries + maxBytes (set far above what is
// stored, so nothing is evicted). The sides run interleaved round by round
// (which goes first alternates), so load from other processes hits both
// alike; each round gives one ratio, backend time / floor time, and the table
// shows the median with its p25–p75, for wall-clock and for this process's
// CPU time (user + system: steadier on a shared machine).
// Run after `pnpm turbo run build --filter=@cachestack/sqlite...`:
//   node bench/get-set.bench.mjs [sizes, comma-separated bytes] [rounds] [callsPerRound] [--json]
// e.g. `node bench/get-set.bench.mjs 100,10240 15 5000` (the defaults).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteBackend } from '../dist/index.js';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const sizes = (args[0] ?? '100,10240').split(',').map(Number);
const rounds = Number(args[1] ?? 15);
const perRound = Number(args[2] ?? 5000);
const json = process.argv.includes('--json');
const keyCount = 10_000;
const keys = Array.from({ length: keyCount }, (_, i) => `user:${i}:profile`);
const missKeys = keys.map((key) => `${key}:missing`);
const dir = mkdtempSync(join(tmpdir(), 'cachestack-sqlite-get-set-'));
const LIMITS = { maxEntries: 1_000_000, maxBytes: 10_000_000_000 };

/** The report's value of `size` bytes, and a second one differing in every byte. */
function valuesOf(size) {
  const value = Buffer.alloc(size);
  for (let i = 0; i < size; i++) value[i] = (i * 31 + 7) & 0xff;
  return [value, Buffer.from(value.map((byte) => byte ^ 0xff))];
}

/** The published floor: `benchmarks/src/floors.mjs` sqliteFloor. */
function plainTable(file) {
  const db = new BetterSqlite3(join(dir, file), { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB, exp INTEGER)');
  const select = db.prepare('SELECT v FROM kv WHERE k = ? AND (exp IS NULL OR exp > ?)').pluck();
  const upsert = db.prepare(
    'INSERT INTO kv (k, v, exp) VALUES (?, ?, NULL) ON CONFLICT (k) DO UPDATE SET v = excluded.v, exp = excluded.exp',
  );
  return {
    db,
    get: async (key) => select.get(key, Date.now()),
    set: async (key, value) => {
      upsert.run(key, value);
    },
    close: async () => db.close(),
  };
}

/** Per-call functions of each case for one side (`store` has async get/set). */
function caseCalls(store, values) {
  let visits = 0;
  return {
    'get hit': (i) => store.get(keys[i % keyCount]),
    'get miss': (i) => store.get(missKeys[i % keyCount]),
    'set, same bytes': (i) => store.set(keys[i % keyCount], values[0]),
    'set, new bytes': () => {
      const at = visits++;
      return store.set(keys[at % keyCount], values[Math.floor(at / keyCount + 1) & 1]);
    },
    'mixed 90/10': (i) =>
      i % 10 === 9 ? store.set(keys[i % keyCount], values[0]) : store.get(keys[i % keyCount]),
  };
}

function quantile(sorted, q) {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

function spread(values) {
  const sorted = values.toSorted((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
  };
}

async function run(calls, n) {
  for (let i = 0; i < n; i++) await calls(i);
}

const results = [];
let fileIndex = 0;
for (const size of sizes) {
  const values = valuesOf(size);
  for (const limited of [false, true]) {
    const index = fileIndex++;
    const plain = plainTable(`plain-${index}.db`);
    const backend = new SqliteBackend({
      path: join(dir, `backend-${index}.db`),
      namespace: 'bench',
      purgeIntervalMs: 0,
      ...(limited ? LIMITS : {}),
    });
    plain.db.transaction(() => {
      for (const key of keys) plain.set(key, values[0]);
    })();
    await backend.setMany(keys.map((key) => ({ key, value: values[0] })));
    const sides = { plain: caseCalls(plain, values), backend: caseCalls(backend, values) };
    for (const name of Object.keys(sides.plain)) {
      const calls = name.startsWith('set') ? Math.ceil(perRound / 2) : perRound;
      await run(sides.plain[name], calls); // warm-up
      await run(sides.backend[name], calls);
      const wall = [];
      const cpu = [];
      const ops = { plain: [], backend: [] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? ['plain', 'backend'] : ['backend', 'plain'];
        const took = {};
        const used = {};
        for (const side of order) {
          const cpuBefore = process.cpuUsage();
          const started = process.hrtime.bigint();
          await run(sides[side][name], calls);
          took[side] = Number(process.hrtime.bigint() - started) / 1e9;
          const cpuUsed = process.cpuUsage(cpuBefore);
          used[side] = cpuUsed.user + cpuUsed.system;
          ops[side].push(calls / took[side]);
        }
        wall.push(took.backend / took.plain);
        cpu.push(used.backend / used.plain);
      }
      results.push({
        size,
        limits: limited,
        name,
        plainOps: spread(ops.plain).median,
        backendOps: spread(ops.backend).median,
        wall: spread(wall),
        cpu: spread(cpu),
      });
    }
    await backend.close();
    await plain.close();
  }
}
rmSync(dir, { recursive: true, force: true });

if (json) {
  console.log(JSON.stringify({ node: process.version, rounds, perRound, keyCount, results }));
} else {
  const format = (n) => Math.round(n).toLocaleString('en-US');
  const ratio = (x) => `${x.median.toFixed(2)}× (${x.p25.toFixed(2)}–${x.p75.toFixed(2)})`;
  console.log(
    `Node ${process.version}, ${keyCount} keys, ${rounds} interleaved rounds of ${perRound} calls (sets: ${Math.ceil(perRound / 2)})\n`,
  );
  console.log(
    '| value | limits | case | plain table (ops/s, median) | SqliteBackend (ops/s, median) | backend / plain wall time, median (p25–p75) | backend / plain CPU time, median (p25–p75) |',
  );
  console.log('| ---: | --- | --- | ---: | ---: | ---: | ---: |');
  for (const row of results) {
    console.log(
      `| ${row.size} B | ${row.limits ? 'maxEntries + maxBytes' : 'none'} | ${row.name} | ${format(row.plainOps)} | ${format(row.backendOps)} | ${ratio(row.wall)} | ${ratio(row.cpu)} |`,
    );
  }
}
