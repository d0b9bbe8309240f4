// Hit-ratio replay: lru-cache, MemoryBackend on each policy, and Bélády's
// optimal bound, on the cache2k traces (three cache sizes each), synthetic
// Zipf workloads, and a scan over a hot set. Writes docs/hit-ratio.md (or
// HIT_RATIO_OUT) from the run; nothing in it is typed by hand.
//
//   pnpm --filter @cachestack/memory build
//   node packages/memory/bench/hit-ratio/run-hit-ratio.mjs
//
// Env: HIT_RATIO_TRACES (trace folder, default shared/traces beside the repository),
// HIT_RATIO_OUT (output file), HIT_RATIO_SMALL=1 (skip the 5M-reference traces).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beladyHitRatio, nextUses } from './belady.mjs';
import {
  futureAdmission,
  loadBackend,
  loadCores,
  replayBackend,
  replayLruCache,
  replayStore,
} from './policies.mjs';
import { readTrace, zipfTrace } from './traces.mjs';

const OUT =
  process.env.HIT_RATIO_OUT ??
  fileURLToPath(new URL('../../../../docs/hit-ratio.md', import.meta.url));
const SEED = 1;

/** The cache2k traces, their cache sizes (entries), and the sizes also replayed through the real MemoryBackend. */
const TRACES = [
  {
    file: 'trace-mt-20121220.trc.bin.gz',
    name: 'mt 2012-12-20',
    sizes: [500, 1_000, 2_000],
    real: [500, 1_000, 2_000],
  },
  {
    file: 'trace-mt-20130703.trc.bin.gz',
    name: 'mt 2013-07-03',
    sizes: [500, 1_000, 2_000],
    real: [500, 1_000, 2_000],
  },
  {
    file: 'trace-mt-db-20160419-busy.trc.bin.gz',
    name: 'mt-db busy',
    sizes: [1_000, 5_000, 20_000],
    real: [1_000],
    large: true,
  },
  {
    file: 'trace-mt-db-20160419-night.trc.bin.gz',
    name: 'mt-db night',
    sizes: [1_000, 5_000, 20_000],
    real: [1_000],
    large: true,
  },
];
const ZIPF_ITEMS = 100_000;
const ZIPF_LENGTH = 1_000_000;
const ZIPF_SIZES = [1_000, 5_000, 10_000];

const cores = await loadCores();
const { MemoryBackend } = await loadBackend();
const tuning = (adaptive) => ({ ...cores.DEFAULT_TINYLFU_TUNING, adaptive, seed: SEED });
const lruCore = (limits) => new cores.EntryStore(limits);
const adaptiveCore = (limits) => new cores.TinyLfuEntryStore(limits, tuning(true));
const fixedCore = (limits) => new cores.TinyLfuEntryStore(limits, tuning(false));

/** Hit ratio of the W-TinyLFU core whose admissions are decided knowing the future. */
function replayPerfectAdmission(trace, size, adaptive) {
  const oracle = futureAdmission(trace);
  const create = (limits) =>
    new cores.TinyLfuEntryStore(limits, { ...tuning(adaptive), admissionOracle: oracle.admits });
  return replayStore(trace, size, create, oracle.onAccess).hitRatio;
}

const percent = (ratio) => (ratio === undefined ? '—' : `${(ratio * 100).toFixed(2)}`);
const points = (delta) => `${delta >= 0 ? '+' : '−'}${Math.abs(delta * 100).toFixed(2)}`;
const log = (message) => process.stderr.write(`${message}\n`);

/** Every measured point: { workload, size, lru, tinylfu, fixed, perfectFixed, perfectAdaptive, optimal }. */
const results = [];

async function measure(trace, size, real) {
  const started = performance.now();
  const row = {
    workload: trace.name,
    size,
    lruCache: replayLruCache(trace, size),
    lru: replayStore(trace, size, lruCore).hitRatio,
    tinylfu: 0,
    fixed: replayStore(trace, size, fixedCore).hitRatio,
    perfectFixed: replayPerfectAdmission(trace, size, false),
    perfectAdaptive: replayPerfectAdmission(trace, size, true),
    optimal: beladyHitRatio(trace, size, trace.next),
  };
  const adaptive = replayStore(trace, size, adaptiveCore);
  row.tinylfu = adaptive.hitRatio;
  row.window = adaptive.store.windowFraction;
  if (real) {
    row.realLru = await replayBackend(MemoryBackend, trace, size, 'lru');
    row.realTinylfu = await replayBackend(MemoryBackend, trace, size, 'tinylfu');
  }
  results.push(row);
  log(
    `${trace.name} @ ${size}: ${JSON.stringify(row)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return row;
}

/** Share of the LRU → optimal gap closed by `hitRatio` (default: the `tinylfu` column). */
function gapClosed(row, hitRatio = row.tinylfu) {
  const gap = row.optimal - row.lru;
  return gap <= 0 ? 1 : (hitRatio - row.lru) / gap;
}

/** The better of the two perfect-admission replays. */
const perfect = (row) => Math.max(row.perfectFixed, row.perfectAdaptive);

function table(rows) {
  const lines = [
    '| cache size (entries) | lru-cache | MemoryBackend `lru` | MemoryBackend `tinylfu` | TinyLFU − LRU (points) | `tinylfu`, fixed 1% window | perfect admission, 1% / adaptive window | Bélády optimal | gap to optimal closed | gap closed with perfect admission | real backend `lru` / `tinylfu` |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const real =
      row.realLru === undefined
        ? '(core only)'
        : `${percent(row.realLru)} / ${percent(row.realTinylfu)}`;
    lines.push(
      `| ${row.size.toLocaleString('en-US')} | ${percent(row.lruCache)} | ${percent(row.lru)} | **${percent(row.tinylfu)}** (${(row.window * 100).toFixed(0)}%) | ${points(row.tinylfu - row.lru)} | ${percent(row.fixed)} | ${percent(row.perfectFixed)} / ${percent(row.perfectAdaptive)} | ${percent(row.optimal)} | ${(gapClosed(row) * 100).toFixed(0)}% | ${(gapClosed(row, perfect(row)) * 100).toFixed(0)}% | ${real} |`,
    );
  }
  return lines.join('\n');
}

const sections = [];
for (const spec of TRACES) {
  if (spec.large && process.env.HIT_RATIO_SMALL === '1') continue;
  const trace = readTrace(spec.file, spec.name);
  trace.next = nextUses(trace.ids, trace.distinct);
  const rows = [];
  for (const size of spec.sizes) rows.push(await measure(trace, size, spec.real.includes(size)));
  sections.push(
    `### ${spec.name} (\`${spec.file}\`: ${trace.ids.length.toLocaleString('en-US')} references, ${trace.distinct.toLocaleString('en-US')} distinct keys)\n\n${table(rows)}`,
  );
}
for (const alpha of [0.8, 1.0, 1.2]) {
  const trace = zipfTrace(alpha, ZIPF_ITEMS, ZIPF_LENGTH, 42);
  trace.next = nextUses(trace.ids, trace.distinct);
  const rows = [];
  for (const size of ZIPF_SIZES) rows.push(await measure(trace, size, size === ZIPF_SIZES[0]));
  sections.push(
    `### Zipf α = ${alpha} (${ZIPF_LENGTH.toLocaleString('en-US')} references over ${ZIPF_ITEMS.toLocaleString('en-US')} keys, seeded)\n\n${table(rows)}`,
  );
}

/**
 * Scan resistance: a hot set of half the cache, read four times over (get,
 * and set on a miss), then a one-off scan of 10× the cache size, then the
 * hot set once more: the share of it still cached.
 */
async function scanResistance(capacity) {
  const hot = Array.from({ length: capacity / 2 }, (_, index) => `hot:${index}`);
  const scan = Array.from({ length: 10 * capacity }, (_, index) => `scan:${index}`);
  const empty = new Uint8Array(0);
  const survivors = {};
  const makers = {
    'MemoryBackend `lru`': () => new MemoryBackend({ maxEntries: capacity, policy: 'lru' }),
    'MemoryBackend `tinylfu`': () => new MemoryBackend({ maxEntries: capacity, policy: 'tinylfu' }),
  };
  for (const [name, make] of Object.entries(makers)) {
    const backend = make();
    const access = async (key) => {
      if ((await backend.get(key)) === undefined) await backend.set(key, empty);
    };
    for (let round = 0; round < 4; round++) for (const key of hot) await access(key);
    for (const key of scan) await access(key);
    let kept = 0;
    for (const key of hot) if (await backend.exists(key)) kept++;
    survivors[name] = kept / hot.length;
    await backend.close();
  }
  return survivors;
}
const scanRows = [];
for (const capacity of [1_000, 10_000]) {
  const survivors = await scanResistance(capacity);
  scanRows.push(
    `| ${capacity.toLocaleString('en-US')} | ${(capacity / 2).toLocaleString('en-US')} | ${(10 * capacity).toLocaleString('en-US')} | ${Object.values(
      survivors,
    )
      .map((share) => `${(share * 100).toFixed(1)}%`)
      .join(' | ')} |`,
  );
  log(`scan @ ${capacity}: ${JSON.stringify(survivors)}`);
}

const traceRows = results.filter((row) => !row.workload.startsWith('zipf'));
const worst = results.reduce((low, row) =>
  row.tinylfu - row.lru < low.tinylfu - low.lru ? row : low,
);
const averageGap = (rows, hitRatio = (row) => row.tinylfu) =>
  rows.reduce((sum, row) => sum + gapClosed(row, hitRatio(row)), 0) / rows.length;
const perfectBelow = results.filter((row) => perfect(row) < row.tinylfu);
const perfectBelowNote =
  perfectBelow.length === 0
    ? ''
    : ` Where it is below \`tinylfu\` (${perfectBelow.map((row) => `${row.workload} at ${row.size.toLocaleString('en-US')} entries`).join(', ')}),\n  the adaptive window's size mattered more than the admissions.`;
const realRows = results.filter((row) => row.realLru !== undefined);
const realLruIdentical = realRows.every((row) => row.realLru === row.lru);
const realTinylfuSpread = Math.max(
  ...realRows.map((row) => Math.abs(row.realTinylfu - row.tinylfu)),
);

const document = `# Hit ratios: LRU vs W-TinyLFU

Generated by \`node packages/memory/bench/hit-ratio/run-hit-ratio.mjs\` on ${new Date().toISOString().slice(0, 10)}
(Node ${process.version}). Do not edit by hand: run it again.

Every replay does what an application does: \`get\` the key, and on a miss
\`set\` it (traces carry no sizes, so caches are limited by entry count). The
hit ratio is hits / references, in percent. Columns:

- **lru-cache**: raw \`lru-cache\` with \`max\` = the cache size.
- **MemoryBackend \`lru\` / \`tinylfu\`**: \`@cachestack/memory\` on each
  \`policy\`, replayed through its entry store directly (the policy core,
  without a promise per access). \`tinylfu\` is the default tuning: 1% window
  at first, adapted by the window tuner (misses on recently rejected
  candidates grow it, misses on recently evicted victims shrink it); 90% of
  the main part protected. The window's final share is in parentheses.
- **\`tinylfu\`, fixed 1% window**: the same without window adaptation.
- **perfect admission**: the same \`tinylfu\` core (1% window, then with the
  window tuner) with every admission decided knowing the future: the
  candidate replaces the victim when it is used again sooner. It shows what
  a better admission filter could add to this structure (window, probation
  LRU, protected LRU) at those two window settings; a measurement, not a
  policy.${perfectBelowNote}
- **Bélády optimal**: the offline bound (evict the key needed farthest in the
  future, or do not admit the new key when it is needed later still).
- **gap to optimal closed**: (TinyLFU − LRU) / (optimal − LRU); **gap closed
  with perfect admission**: the same for the better of the two
  perfect-admission replays.
- **real backend**: the same replay through a real \`MemoryBackend\`
  (awaited \`get\`/\`set\`), where run; it should match the core columns.

## Summary

- Lowest point against LRU: ${points(worst.tinylfu - worst.lru)} points (${worst.workload}, ${worst.size.toLocaleString('en-US')} entries).
- Points below LRU: ${results.filter((row) => row.tinylfu < row.lru).length} of ${results.length}.
- Average share of the LRU → optimal gap closed: ${(averageGap(traceRows) * 100).toFixed(0)}% on the cache2k traces, ${(averageGap(results) * 100).toFixed(0)}% over every point including Zipf.
- With perfect admission (the future known at every admission decision, the better of the two window settings at each point) the same structure would close ${(averageGap(traceRows, perfect) * 100).toFixed(0)}% on the cache2k traces and ${(averageGap(results, perfect) * 100).toFixed(0)}% over every point. The rest of the gap is in which entry leaves: the optimum picks it among all cached keys by their next use, where this structure only ever drops probation's least recently used entry or the candidate.
- Real \`MemoryBackend\` replays against the core replays: \`lru\` ${realLruIdentical ? 'identical at every point' : 'DIFFERENT somewhere (a bug)'}; \`tinylfu\` within ${(realTinylfuSpread * 100).toFixed(2)} points. The core runs use a fixed seed for the one-in-128 admission of a losing warm candidate; a backend seeds it at random, and the window tuner turns that into some run-to-run spread.

## Traces

The four traces were published by the [cache2k](https://github.com/cache2k/cache2k) project;
they are copyrighted by headissue GmbH, Jens Wilke, and used under the Creative
Commons Attribution 4.0 license.

${sections.slice(0, sections.length - 3).join('\n\n')}

## Synthetic Zipf

${sections.slice(-3).join('\n\n')}

## Scan resistance

A hot set of half the cache is read four times over, then a one-off scan of
10× the cache size passes through, each scanned key read (a miss) and set
once. Share of the hot set still cached afterwards (real \`MemoryBackend\`):

| cache size | hot keys | scanned keys | MemoryBackend \`lru\` | MemoryBackend \`tinylfu\` |
| ---: | ---: | ---: | ---: | ---: |
${scanRows.join('\n')}
`;
writeFileSync(OUT, document);
log(`wrote ${OUT}`);
