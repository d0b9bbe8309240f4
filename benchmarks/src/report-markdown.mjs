// Renders the results as docs/benchmarks.md.
import { PEER_TARGET } from './compare.mjs';
import { FAMILIES, KEY_COUNT, OPERATIONS, VALUE_SIZES } from './harness.mjs';

const FAMILY_TITLES = {
  memory: 'In-process memory (and the getOrSet facade)',
  sqlite: 'SQLite',
  file: 'Files',
  redis: 'Redis (and tiered memory+Redis)',
};

/** `100 B` / `10 KiB`. */
export function sizeLabel(size) {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

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
    '| value | operation | implementation | kind | ops/s | median µs | p99 µs | time vs floor (floor) | speed vs best peer (peer) |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const size of VALUE_SIZES) {
    for (const operation of OPERATIONS) {
      for (const row of rows) {
        if (row.family !== family || row.size !== size || row.operation !== operation) continue;
        const floor = row.floorLabel ? `${floorCell(row)} (${row.floorLabel})` : '';
        const peer = row.peerLabel ? `${peerCell(row)} (${row.peerLabel})` : '';
        lines.push(
          `${rowPrefix(size, operation, row.label)} ${KIND[row.kind]} | ${int(row.opsPerSec)} | ${micros(row.p50)} | ${micros(row.p99)} | ${floor} | ${peer} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

function keyRatios(rows) {
  const pick = (id, operation, size = 100) =>
    rows.find((r) => r.id === id && r.operation === operation && r.size === size);
  const lines = ['| what | 100 B | 10 KiB | target |', '| --- | ---: | ---: | --- |'];
  const add = (what, id, operation, value, target) => {
    const cells = VALUE_SIZES.map((size) => {
      const row = pick(id, operation, size);
      const v = row === undefined ? undefined : value(row);
      return v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`;
    });
    lines.push(`| ${what} | ${cells.join(' | ')} | ${target} |`);
  };
  const time = (row) => row.floorRatio;
  const throughput = (row) => (row.floorRatio === undefined ? undefined : 1 / row.floorRatio);
  const speed = (row) => row.peerSpeedup;
  add('memory get hit, time vs awaited lru-cache', 'memory', 'get hit', time, '≤ 1.3×');
  add('memory set, time vs awaited lru-cache', 'memory', 'set', time, '≤ 1.3×');
  const copyFloor = (operation) => (row) => {
    const floor = rows.find(
      (r) => r.id === 'lru-cache-copy' && r.operation === operation && r.size === row.size,
    );
    return floor === undefined ? undefined : floor.opsPerSec / row.opsPerSec;
  };
  add(
    'memory get hit, time vs lru-cache + Buffer copies',
    'memory',
    'get hit',
    copyFloor('get hit'),
    '(info)',
  );
  add('memory set, time vs lru-cache + Buffer copies', 'memory', 'set', copyFloor('set'), '(info)');
  add('memory get hit, speed vs best peer', 'memory', 'get hit', speed, `≥ ${PEER_TARGET}×`);
  add('getOrSet hit, time vs MemoryBackend get', 'getorset', 'get hit', time, '—');
  add('getOrSet hit, speed vs best peer', 'getorset', 'get hit', speed, `≥ ${PEER_TARGET}×`);
  add('SQLite get hit, time vs better-sqlite3', 'sqlite', 'get hit', time, '≤ 1.3×');
  add('SQLite set, time vs better-sqlite3', 'sqlite', 'set', time, '≤ 1.3×');
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
  add(
    'Redis sequential get hit, speed vs Keyv + @keyv/redis',
    'redis',
    'get hit',
    speed,
    `≥ ${PEER_TARGET}×`,
  );
  add('tiered L1 hit, time vs MemoryBackend get', 'tiered', 'get hit', time, '≤ 1.2×');
  add(
    'tiered L1 hit, speed vs bentocache memory+Redis',
    'tiered',
    'get hit',
    speed,
    `≥ ${PEER_TARGET}×`,
  );
  add('tiered L1 miss / L2 hit, time vs ioredis get', 'tiered-l2', 'get hit', time, '—');
  return lines.join('\n');
}

/**
 * The likely cause of each missed target, from reading the adapters' code
 * (not yet confirmed with --cpu-prof): profile before fixing.
 */
const REMAINS = {
  memory:
    'the contract makes MemoryBackend copy bytes on set and on get (a returned Buffer never aliases storage); lru-cache hands back the same reference. Against "lru-cache + Buffer copies" it is close to 1× on get; on set the rest is size accounting and the expiry/LRU bookkeeping.',
  getorset:
    'the facade wraps values in an envelope and runs the serializer on every hit; at 10 KiB that copy dominates (peers return the stored object by reference).',
  sqlite:
    'a set is one WAL commit on both sides; run-to-run noise on this shared machine is about ±30% for commits.',
  file: 'a get miss is one failed open() on both sides plus key hashing and validation in the backend; run-to-run noise on this shared machine is about ±30%.',
  redis:
    'sequential calls pay a fixed per-call cost on top of the ~40 µs round trip (the timeout scope, get coalescing that defers every get to the next tick, the reply copy); against Keyv the sequential case is round-trip bound, so a 2× lead is not reachable there.',
  'redis-100':
    'gets are coalesced into one MGET per tick, but every set is its own SET (auto-pipelined by ioredis, not coalesced), and each call also pays the timeout scope, error classification and a reply copy; @redis/client (under Keyv) batches writes more cheaply. Profile with --cpu-prof before changing the write path.',
  tiered: 'misses and sets go to both tiers (Redis round trip plus L1 write).',
};

function remains(rows) {
  const missed = rows.filter(
    (row) =>
      row.kind === 'ours' &&
      ((row.floorTarget !== undefined && row.floorRatio > row.floorTarget) ||
        (row.peerSpeedup !== undefined && row.peerSpeedup < PEER_TARGET)),
  );
  const byId = new Map();
  for (const row of missed) {
    const list = byId.get(row.id) ?? [];
    const why = [];
    if (row.floorTarget !== undefined && row.floorRatio > row.floorTarget) {
      why.push(`${row.floorRatio.toFixed(2)}× floor time`);
    }
    if (row.peerSpeedup !== undefined && row.peerSpeedup < PEER_TARGET) {
      why.push(`${row.peerSpeedup.toFixed(2)}× best peer speed`);
    }
    list.push(`${sizeLabel(row.size)} ${row.operation}: ${why.join(', ')}`);
    byId.set(row.id, list);
  }
  if (byId.size === 0) return 'Every target was met in this run.';
  return [...byId]
    .map(([id, where]) => {
      const label = rows.find((row) => row.id === id).label;
      return `- **${label}** — ${where.join('; ')}. Likely cause: ${REMAINS[id] ?? 'not analysed yet.'}`;
    })
    .join('\n');
}

function footprintTable(footprints) {
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

/** The whole docs/benchmarks.md. */
export function renderMarkdown({ rows, footprints, meta }) {
  const load = (l) => l.map((n) => n.toFixed(2)).join(' / ');
  const sections = [
    '# Benchmarks',
    '',
    '![ops/s per implementation, log scale](./benchmarks.svg)',
    '',
    `Generated by \`pnpm bench\` (benchmarks/src/run-benchmarks.mjs) on ${meta.date}: Node ${meta.node}, ${meta.platform}, ${meta.cpus}.`,
    `**Shared machine**: load average (1/5/15 min) ${load(meta.loadBefore)} at the start, ${load(meta.loadAfter)} at the end; other processes were running, so absolute numbers are noisy — read the ratios.`,
    `BENCH_SCALE ${meta.scale}, ${meta.rounds} interleaved rounds, batches capped at ${meta.budgetMs} ms, total ${meta.seconds.toFixed(0)} s.`,
    '',
    '## Method',
    '',
    `- Every implementation holds the same ${int(KEY_COUNT)}-key working set with the same 100-byte or 10 KiB Buffer values, in the same process, against the same redis-server (started on a free loopback port with \`--save '' --appendonly no\`, stopped by pid at the end).`,
    '- Operations: **get hit** (every key present), **get miss** (keys never written), **set** (overwrite, no TTL), **mixed 90/10** (9 gets then 1 set). Every call is awaited; "100 concurrent" rows run 100 callers that each await their own call.',
    '- **ops/s** is the best of the interleaved rounds (wall clock; the order rotates each round so a noisy neighbour slows every implementation alike, and the least disturbed batch is kept). **median / p99** come from separately timed sample batches (up to 1,000 calls per round, each call timed on its own).',
    '- **time vs floor** = floor ops/s ÷ ours (lower is better, 1.00× = no overhead); ✅/❌ against the issue-8 target. **speed vs best peer** = ours ÷ the fastest peer doing the same work (higher is better; target ≥ 2×).',
    '- Floors: awaited `lru-cache` (storing and returning the caller\'s Buffer by reference; the extra row "lru-cache + Buffer copies" copies in and out like the contract requires — a MemoryBackend get must return a copy that never aliases storage, which is what dominates at 10 KiB); raw `better-sqlite3` prepared statements on the same schema (WAL, synchronous NORMAL); raw `ioredis` `getBuffer`/`set` sequential and 100-concurrent with `enableAutoPipelining`; `fs.readFile` / `fs.writeFile` + `rename`.',
    '- Peers use their defaults: Keyv (Map store), Keyv + @keyv/redis, cache-manager 7 over Keyv memory, cacheable 2 (memory primary), bentocache 1 (memory L1; memory L1 + Redis L2; its default 30 min TTL and memory-store serialization apply). **@keyv/sqlite is not installed** (its `sqlite3` dependency needs a native download), so SQLite has no peer row.',
    '- Tiered "L1 miss / L2 hit": L1 is cleared before every batch and a batch reads each key at most once, so every get misses L1, reads Redis (value + TTL) and backfills L1. Its floor is one sequential ioredis get. The tiered L1-hit floor is a plain MemoryBackend get (measured in the same interleaved rounds); tiered get miss and set go to Redis, so their floor is one sequential ioredis call; tiered mixed has no single floor. The getOrSet floor is a plain MemoryBackend get.',
    '',
    '## Key ratios',
    '',
    keyRatios(rows),
    '',
    '## What remains (targets missed in this run)',
    '',
    remains(rows),
    '',
    '## Memory per cached entry',
    '',
    'Heap + ArrayBuffer bytes after full GCs (`node --expose-gc`, one child process per store), divided by the entry count. lru-cache holds a `Buffer.from` copy of the value per key (MemoryBackend copies on set too); key strings are allocated before the baseline.',
    '',
    footprintTable(footprints),
    '',
  ];
  for (const family of FAMILIES) {
    sections.push(`## ${FAMILY_TITLES[family]}`, '', familyTable(rows, family), '');
  }
  return sections.join('\n');
}
