// Renders the results as docs/benchmarks.md.
import {
  OUTSIDE_MARK,
  OUTSIDE_NOTE,
  outsideSpread,
  PEER_TARGET,
  pairedSpread,
} from './compare.mjs';
import {
  FAMILIES,
  KEY_COUNT,
  LATENCY_BATCH_MS,
  LATENCY_ROUNDS,
  OPERATIONS,
  sizeLabel,
  THROUGHPUT_QUANTILE,
  VALUE_SIZES,
} from './harness.mjs';
import { REDIS_BENCHMARK_REPEATS } from './redis-benchmark.mjs';
import { renderRemains } from './report-remains.mjs';
import { renderScaling } from './report-scaling.mjs';

const FAMILY_TITLES = {
  memory: 'In-process memory (and the getOrSet facade)',
  sqlite: 'SQLite',
  file: 'Files',
  redis: 'Redis (and tiered memory+Redis)',
};

const int = (n) => Math.round(n).toLocaleString('en-US');
const micros = (n) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '—');
const KIND = { floor: 'floor', ours: '**ours**', peer: 'peer' };

function floorCell(row) {
  if (row.floorRatio === undefined) return '';
  const mark =
    row.floorTarget === undefined ? '' : row.floorRatio <= row.floorTarget ? ' ✅' : ' ❌';
  return `${row.floorRatio.toFixed(2)}×${mark}`;
}

function peerCell(row) {
  if (row.peerSpeedup === undefined) return row.peerLabel === undefined ? '' : 'n/a';
  return `${row.peerSpeedup.toFixed(2)}×${row.peerSpeedup >= PEER_TARGET ? ' ✅' : ' ❌'}`;
}

/** The Markdown line of one result row (the smoke test looks rows up by its prefix). */
export function rowPrefix(size, operation, label) {
  return `| ${sizeLabel(size)} | ${operation} | ${label} |`;
}

function familyTable(rows, family) {
  const lines = [
    '| value | operation | implementation | kind | input | ops/s | median µs | p99 µs | time vs floor (floor) | speed vs best peer (peer) |',
    '| --- | --- | --- | --- | --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const size of VALUE_SIZES) {
    for (const operation of OPERATIONS) {
      for (const row of rows) {
        if (row.family !== family || row.size !== size || row.operation !== operation) continue;
        const floor = row.floorLabel ? `${floorCell(row)} (${row.floorLabel})` : '';
        const peer = row.peerLabel
          ? `${peerCell(row)} (${row.peerLabel}${row.peerInput ? `, ${row.peerInput}` : ''})`
          : '';
        lines.push(
          `${rowPrefix(size, operation, row.label)} ${KIND[row.kind]} | ${row.input} | ${int(row.opsPerSec)} | ${micros(row.p50)} | ${micros(row.p99)} | ${floor} | ${peer} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** `1.05× (1.01–1.09)`: a ratio and, when known, its round-by-round interquartile range. */
function ratioCell(ratio, spread) {
  if (ratio === undefined || !Number.isFinite(ratio)) return '—';
  if (spread === undefined) return `${ratio.toFixed(2)}×`;
  const mark = outsideSpread(ratio, spread) ? ` ${OUTSIDE_MARK}` : '';
  return `${ratio.toFixed(2)}×${mark} (${spread[0].toFixed(2)}–${spread[1].toFixed(2)})`;
}

function keyRatios(rows) {
  const pick = (id, operation, size = 100) =>
    rows.find((r) => r.id === id && r.operation === operation && r.size === size);
  const lines = ['| what | 100 B | 10 KiB | target |', '| --- | ---: | ---: | --- |'];
  const add = (what, id, operation, value, target) => {
    const cells = VALUE_SIZES.map((size) => {
      const row = pick(id, operation, size);
      return row === undefined ? '—' : ratioCell(...value(row));
    });
    lines.push(`| ${what} | ${cells.join(' | ')} | ${target} |`);
  };
  // Each picks [ratio of the reported ops/s, round-by-round spread [p25, p75]] from a row.
  const time = (row) => [row.floorRatio, row.floorSpread];
  const throughput = (row) => [
    row.floorRatio === undefined ? undefined : 1 / row.floorRatio,
    row.floorSpread === undefined ? undefined : [1 / row.floorSpread[1], 1 / row.floorSpread[0]],
  ];
  const speed = (row) => [row.peerSpeedup, row.peerSpread];
  add('memory get hit, time vs awaited lru-cache', 'memory', 'get hit', time, '≤ 1.3×');
  add('memory set, time vs awaited lru-cache', 'memory', 'set', time, '≤ 1.3×');
  const copyFloor = (operation) => (row) => {
    const floor = rows.find(
      (r) => r.id === 'lru-cache-copy' && r.operation === operation && r.size === row.size,
    );
    return floor === undefined
      ? [undefined, undefined]
      : [floor.opsPerSec / row.opsPerSec, pairedSpread(floor, row)];
  };
  add(
    'memory get hit, time vs lru-cache + Buffer copies',
    'memory',
    'get hit',
    copyFloor('get hit'),
    '(info)',
  );
  add('memory set, time vs lru-cache + Buffer copies', 'memory', 'set', copyFloor('set'), '(info)');
  add(
    'memory get hit (Buffer), speed vs best peer (strings)',
    'memory',
    'get hit',
    speed,
    `≥ ${PEER_TARGET}×`,
  );
  add(
    'memory set (Buffer), speed vs best peer (strings)',
    'memory',
    'set',
    speed,
    `≥ ${PEER_TARGET}×`,
  );
  add(
    'facade over memory get hit (strings), speed vs best peer (strings)',
    'facade-memory',
    'get hit',
    speed,
    '(info)',
  );
  add(
    'facade over memory set (strings), speed vs best peer (strings)',
    'facade-memory',
    'set',
    speed,
    '(info)',
  );
  add('getOrSet hit, time vs MemoryBackend get', 'getorset', 'get hit', time, '—');
  add('getOrSet hit, speed vs best peer', 'getorset', 'get hit', speed, `≥ ${PEER_TARGET}×`);
  add(
    'getOrSet hit with the object tier, speed vs best peer',
    'getorset-object-tier',
    'get hit',
    speed,
    `≥ ${PEER_TARGET}×`,
  );
  add('SQLite get hit, time vs plain key/value table', 'sqlite', 'get hit', time, '≤ 1.3×');
  add('SQLite set, time vs plain key/value upsert', 'sqlite', 'set', time, '≤ 1.3×');
  add('file get hit, time vs fs.readFile', 'file', 'get hit', time, '≤ 1.5×');
  add('file set, time vs fs writeFile+rename', 'file', 'set', time, '≤ 1.5×');
  add('Redis sequential get hit, time vs ioredis', 'redis', 'get hit', time, '≤ 1.1×');
  add(
    'Redis 100 concurrent get hit, throughput vs auto-pipelined ioredis',
    'redis-100',
    'get hit',
    throughput,
    '≥ 0.9×',
  );
  add(
    'Redis 100 concurrent get hit, speed vs Keyv + @keyv/redis',
    'redis-100',
    'get hit',
    speed,
    `≥ ${PEER_TARGET}×`,
  );
  for (const operation of ['get hit', 'set']) {
    add(
      `Redis sequential ${operation} (Buffer), speed vs Keyv + @keyv/redis (strings)`,
      'redis',
      operation,
      speed,
      '> 1×',
    );
    add(
      `facade over Redis sequential ${operation} (strings), speed vs Keyv + @keyv/redis (strings)`,
      'facade-redis',
      operation,
      speed,
      '> 1×',
    );
  }
  add('Redis 100 concurrent set, speed vs Keyv + @keyv/redis', 'redis-100', 'set', speed, '> 1×');
  add('tiered L1 hit, time vs MemoryBackend get', 'tiered', 'get hit', time, '≤ 1.2×');
  add(
    'tiered L1 hit (Buffer), speed vs best bentocache memory+Redis (strings)',
    'tiered',
    'get hit',
    speed,
    `≥ ${PEER_TARGET}×`,
  );
  add(
    'facade over tiered L1 hit (strings), speed vs best bentocache memory+Redis (strings)',
    'facade-tiered',
    'get hit',
    speed,
    '(info)',
  );
  add('tiered L1 miss / L2 hit, time vs ioredis get', 'tiered-l2', 'get hit', time, '≤ 1.1×');
  if (lines.some((line) => line.includes(` ${OUTSIDE_MARK} (`))) lines.push('', OUTSIDE_NOTE);
  return lines.join('\n');
}

function footprintTable(footprints) {
  if (footprints.length === 0) return 'Not measured in this run.';
  const lines = [
    '| value | store | entries | bytes per entry | overhead per entry (minus value bytes) |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  for (const f of footprints) {
    lines.push(
      `| ${sizeLabel(f.size)} | ${f.store} | ${int(f.count)} | ${int(f.bytesPerEntry)} | ${int(f.bytesPerEntry - f.size)} |`,
    );
  }
  return lines.join('\n');
}

function serverLimitTable(limits) {
  if (limits.length === 0) return 'Not measured in this run.';
  const lines = [
    `\`redis-benchmark\` (the C client shipped with Redis) against the same redis-server, keys drawn at random from the working set (\`-r\`), SET then GET, ${REDIS_BENCHMARK_REPEATS} runs each: the median and, in parentheses, the slowest and fastest run. It sends one command per key, so these are the server's limit for single-key commands, without and with pipelining; a client that batches keys into one MGET or MSET (RedisBackend with 100 concurrent callers) is not bound by the unpipelined figures.`,
    '',
    '| value | operation | run | requests | ops/s (min–max) |',
    '| --- | --- | --- | ---: | ---: |',
  ];
  for (const l of limits) {
    lines.push(
      `| ${sizeLabel(l.size)} | ${l.operation} | ${l.label} | ${int(l.requests)} | ${int(l.opsPerSec)} (${int(l.range[0])}–${int(l.range[1])}) |`,
    );
  }
  return lines.join('\n');
}

/** The whole docs/benchmarks.md. */
export function renderMarkdown({ rows, footprints, meta, serverLimits = [], scaling = [] }) {
  const load = (l) => l.map((n) => n.toFixed(2)).join(' / ');
  const sections = [
    '# Benchmarks',
    '',
    '![ops/s per implementation, log scale](./benchmarks.svg)',
    '',
    `Generated by \`pnpm bench\` (benchmarks/src/run-benchmarks.mjs) on ${meta.date}: Node ${meta.node}, ${meta.platform}, ${meta.cpus}.`,
    `**Shared machine**: load average (1/5/15 min) ${load(meta.loadBefore)} at the start, ${load(meta.loadAfter)} at the end; other processes were running, so absolute numbers are noisy — read the ratios.`,
    `BENCH_SCALE ${meta.scale}, ${meta.rounds} interleaved rounds, batches capped at ${meta.budgetMs} ms, total ${meta.seconds.toFixed(0)} s.`,
    ...(meta.only === undefined
      ? []
      : [
          `**Filtered run** (\`BENCH_ONLY=${meta.only.join(',')}\`): only these rows and the floors and peers they are compared with; no redis-benchmark, scaling or memory-per-entry figures.`,
        ]),
    '',
    '## Method',
    '',
    `- Every implementation holds the same ${int(meta.keys ?? KEY_COUNT)}-key working set with the same 100-byte or 10 KiB value, in the same process, against the same redis-server (started on a free loopback port with \`--save '' --appendonly no\`, stopped by pid at the end).`,
    '- Operations: **get hit** (every key present), **get miss** (keys never written), **set** (overwrite, no TTL), **mixed 90/10** (9 gets then 1 set). Every call is awaited; "100 concurrent" rows run 100 callers that each await their own call.',
    `- **ops/s** comes from ${meta.rounds} short interleaved batches per implementation (wall clock, each batch capped at ${meta.budgetMs} ms): every round runs one batch of each implementation measured together, in an order that rotates each round, so a noisy neighbour slows every implementation alike. The reported ops/s is the ${Math.round(THROUGHPUT_QUANTILE * 100)}th-percentile batch (nearest rank: number ${meta.rounds - Math.ceil(THROUGHPUT_QUANTILE * meta.rounds) + 1} from the top of ${meta.rounds}): close to the least disturbed batches, without rewarding one lucky batch that skipped a garbage collection the others paid for. The order puts each of ours right after its floor (or after another of ours on the same floor), so the two batches of a floor ratio run close together and see much the same machine state. **median / p99** come from ${LATENCY_ROUNDS} separately timed sample batches spread over the rounds (up to 1,000 calls and ${LATENCY_BATCH_MS} ms each, each call timed on its own).`,
    "- **time vs floor** = floor ops/s ÷ ours (lower is better, 1.00× = no overhead); ✅/❌ against the target of issue 8 or 21 (the SQLite target is now against a plain key/value table; a tiered L2 hit is held to 1.1× one ioredis GET). **speed vs best peer** = ours ÷ the fastest peer doing the same work (higher is better; target ≥ 2×). Both compare those near-best batches. In **Key ratios**, the range in parentheses is the interquartile range of the same ratio taken round by round (the two batches of one round), a measure of this run's noise; it is missing where the two sides were not measured in the same rounds.",
    '- **Input**: each implementation is given the value type it is built for, named in the **input** column of every row: a `Buffer` for our backends (the contract is bytes) and for the raw floors; an ASCII string of the same length (the same number of UTF-8 bytes) for Keyv, cache-manager, cacheable and bentocache, which serialize to JSON strings or keep the value as given. For string users our fair rows are the facade, `@cachestack/cache` with its default serializer over the backend (rows "@cachestack/cache over …", given strings); the backend rows given a Buffer are shown next to them.',
    '- Floors: awaited `lru-cache` (storing and returning the caller\'s Buffer by reference; the extra row "lru-cache + Buffer copies" copies in and out like the contract requires — a MemoryBackend get must return a copy that never aliases storage, which is what dominates at 10 KiB); a **plain key/value better-sqlite3 table** (`kv(k TEXT PRIMARY KEY, v BLOB, exp INTEGER)`, not our schema; WAL, synchronous NORMAL like SqliteBackend; one prepared SELECT per get with the expiry checked, one prepared upsert per set, each its own transaction); raw `ioredis` `getBuffer`/`set`, sequential and 100 concurrent, each with and without `enableAutoPipelining`; `fs.readFile` / `fs.writeFile` to a temporary name + `rename`. The server\'s own limit is `redis-benchmark` against the same redis-server (below).',
    "- Peers use their defaults, given strings: Keyv (Map store), Keyv + @keyv/redis, cache-manager 7 over Keyv memory, cacheable 2 (memory primary), bentocache 1 (memory L1; memory L1 + Redis L2; its default 30 min TTL applies), each bentocache configuration twice: with its default memory-store serialization and with `serialize: false` on the memory L1 (the configuration of bentocache's own published figures). **@keyv/sqlite is not installed** (its `sqlite3` dependency is a native addon whose build pnpm-workspace.yaml disables), so SQLite has no peer row.",
    '- Tiered "L1 miss / L2 hit": L1 is cleared before every batch and a batch reads each key at most once, so every get misses L1, reads Redis (value + TTL) and backfills L1. Its floor is one sequential ioredis get. The tiered L1-hit floor is a plain MemoryBackend get (measured in the same interleaved rounds); tiered get miss and set go to Redis, so their floor is one sequential ioredis call; tiered mixed has no single floor. The getOrSet floor is a plain MemoryBackend get.',
    '',
    '## Key ratios',
    '',
    keyRatios(rows),
    '',
    '## What remains (targets missed in this run)',
    '',
    renderRemains(rows),
    '',
    "## The server's limit: redis-benchmark",
    '',
    serverLimitTable(serverLimits),
    '',
    renderScaling(scaling),
    '',
    '## Memory per cached entry',
    '',
    'Heap + ArrayBuffer bytes after full GCs (`node --expose-gc`, one child process per store), divided by the entry count. lru-cache holds a `Buffer.from` copy of the value per key (MemoryBackend copies on set too); key strings are allocated before the baseline. MemoryBackend keeps a written value of up to 4 KiB as a Latin-1 string (every read decodes it into a fresh Buffer and leaves the stored string as it is), measured both right after the writes and after one `get` of every key.',
    '',
    footprintTable(footprints),
    '',
  ];
  for (const family of FAMILIES) {
    sections.push(`## ${FAMILY_TITLES[family]}`, '', familyTable(rows, family), '');
  }
  return sections.join('\n');
}
