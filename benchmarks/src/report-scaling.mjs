// The "Scaling" section of docs/benchmarks.md: get/set cost at 10k, 100k and
// 1M keys, memory per entry, and the first-read-after-write experiment.
import { SCALING_VALUE_BYTES } from './harness.mjs';

const int = (n) => Math.round(n).toLocaleString('en-US');
const us = (n) =>
  n === undefined || !Number.isFinite(n) ? '—' : n < 10 ? n.toFixed(2) : n.toFixed(1);
const bytes = (n) => (n === undefined ? '—' : int(n));
const times = (n) => `${n.toFixed(2)}×`;
/** `CPU / wall` µs per call. */
const cpuWall = (cpu, wall) => `${us(cpu)} / ${us(wall)}`;

/** Garbage-collection pause time per call of a timed pass, in µs. */
export const gcPerCall = (pass) => (pass.n > 0 ? (pass.gcMs * 1000) / pass.n : 0);

/** The share of a pass's GC pause time spent in minor (scavenge) collections, 0..1. */
const minorShare = (pass) => (pass.gcMs > 0 ? (pass.gcMinorMs ?? 0) / pass.gcMs : 0);
const pct = (share) => `${Math.round(share * 100)} %`;

function costTable(scaling) {
  const lines = [
    '| store | kind | keys | write new key µs | first get µs | second get µs | set (overwrite) µs | get after overwrite µs | bytes/entry after writes | after reads |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of scaling.filter((row) => row.kind !== 'experiment')) {
    lines.push(
      `| ${r.label} | ${r.kind} | ${int(r.count)} | ${cpuWall(r.fillCpuUs, r.fillUs)} | ${cpuWall(r.first.cpuUs, r.first.us)} | ${cpuWall(r.second.cpuUs, r.second.us)} | ${cpuWall(r.set.cpuUs, r.set.us)} | ${cpuWall(r.afterSet.cpuUs, r.afterSet.us)} | ${bytes(r.bytesPerEntryAfterWrite)} | ${bytes(r.bytesPerEntryAfterRead)} |`,
    );
  }
  return lines.join('\n');
}

function firstReadTable(rows) {
  const lines = [
    '| store | keys | first get CPU µs (GC pause µs) | second get CPU µs (GC pause µs) | first ÷ second | get after overwrite CPU µs (GC pause µs) | bytes/entry after writes | after reads |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${int(r.count)} | ${us(r.first.cpuUs)} (${us(gcPerCall(r.first))}) | ${us(r.second.cpuUs)} (${us(gcPerCall(r.second))}) | ${times(r.first.cpuUs / r.second.cpuUs)} | ${us(r.afterSet.cpuUs)} (${us(gcPerCall(r.afterSet))}) | ${bytes(r.bytesPerEntryAfterWrite)} | ${bytes(r.bytesPerEntryAfterRead)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * What this run says about the first read after a write at the largest key
 * count: every figure comes from `scaling`. MemoryBackend keeps a small
 * value as a Latin-1 string and decodes it into a fresh pooled Buffer on
 * every read (the `exp-string-only` mechanism); the promoting variants are
 * what it did before.
 */
export function firstReadFindings(scaling) {
  const largest = Math.max(...scaling.map((r) => r.count));
  const at = (id) => scaling.find((r) => r.id === id && r.count === largest);
  const ours = at('memory');
  const own = at('exp-promote-own');
  const pool = at('exp-promote-pool');
  const plain = at('exp-string-only');
  const copies = at('lru-cache-copy');
  if ([ours, own, pool, plain].some((r) => r === undefined)) return '';
  const pair = (r) =>
    `${us(r.first.cpuUs)} µs then ${us(r.second.cpuUs)} µs of CPU per call (${us(gcPerCall(r.first))} and ${us(gcPerCall(r.second))} µs of GC pauses)`;
  const ratio = ours.first.cpuUs / ours.second.cpuUs;
  const lines = [
    `At ${int(largest)} keys MemoryBackend's first get after a write took ${pair(ours)}: the first read cost ${times(ratio)} a later one${ratio <= 1.3 ? ', about the same (it no longer promotes the value)' : ''}; ${pct(minorShare(ours.first))} of the first pass's GC pause time was minor (scavenge) collections. A get after an overwrite took ${us(ours.afterSet.cpuUs)} µs of CPU (${us(gcPerCall(ours.afterSet))} µs of GC pauses).`,
    `Its mechanism rebuilt over lru-cache (the string kept, every read decoding it): ${pair(plain)}. The former mechanism, the first read moving the string into an ArrayBuffer of its own: ${pair(own)}; promoting into a pooled Buffer instead: ${pair(pool)}.`,
    `Steady-state hit (second get): MemoryBackend ${us(ours.second.cpuUs)} µs against ${us(own.second.cpuUs)} µs for the former promote-on-first-read mechanism${copies === undefined ? '' : ` and ${us(copies.second.cpuUs)} µs for lru-cache + Buffer copies`}; ${bytes(ours.bytesPerEntryAfterRead)} bytes per entry after the reads (the former mechanism: ${bytes(own.bytesPerEntryAfterRead)}).`,
  ];
  const promotedGc = Math.min(gcPerCall(own.first), gcPerCall(pool.first));
  const unpromotedGc = Math.max(gcPerCall(plain.first), gcPerCall(at('exp-own-buffers').first));
  lines.push(
    promotedGc >= 2 * unpromotedGc
      ? "The promotion showed up as garbage-collection work: every first read of a promoting variant allocates an object that lives on (an ArrayBuffer of its own, or a view into the pool) and stores it into the LRU's old-generation arrays, so the scavenges that follow must copy and promote what the reads just made and scan the new old-to-new references. The variants that never promote, MemoryBackend's among them, pay no such extra GC on the first read, and keep entries smaller."
      : 'In this run the GC pauses of the promoting variants were not clearly (2×) above those of the variants that never promote, so GC work from a promotion does not explain first-read costs here; read the per-pass figures above.',
  );
  return lines.join(' ');
}

/** The whole Scaling section (empty string when not measured). */
export function renderScaling(scaling) {
  if (scaling.length === 0) return '';
  const experiments = scaling.filter((r) => r.kind === 'experiment' || r.id === 'memory');
  return [
    `## Scaling (${SCALING_VALUE_BYTES}-byte values)`,
    '',
    `One \`node --expose-gc\` child process per store and key count: the store is filled with every key (memory: one awaited set per key; SQLite: \`setMany\` / one transaction per 10,000 keys, so "write new key" is a bulk figure there), then a fixed random sample of keys (memory: up to 200,000; SQLite: up to 50,000) is read twice — the **first get** after the write and a **second get** — then up to 200,000 (memory) or 5,000 (SQLite) keys are overwritten one awaited set at a time and read once more. Every pass is one sequential loop of awaited calls timed as a whole, as CPU time of the process (user + system, including GC threads) and wall-clock time, each per call: "CPU / wall" µs (CPU time is the steadier figure on a shared machine); the code paths are warmed up on a separate small store first. Bytes per entry: heap + ArrayBuffer bytes after full GCs, minus the baseline before the store was created, divided by the key count (memory stores only; lru-cache holds a \`Buffer.from\` copy of each value, the same bytes).`,
    '',
    costTable(scaling),
    '',
    '### The first read after a write (memory)',
    '',
    'MemoryBackend keeps a written value of up to 4 KiB as a Latin-1 string and decodes it into a fresh pooled Buffer on every read, leaving the string stored (until the previous release it moved the string into an ArrayBuffer of its own on the first read). The experiment rows rebuild both mechanisms and their variants over a plain lru-cache, one at a time, to see which part costs what. "GC pause µs" is the garbage-collection pause time (wall clock) during the pass divided by its calls (Node\'s `gc` performance entries).',
    '',
    firstReadTable(experiments),
    '',
    firstReadFindings(scaling),
  ].join('\n');
}
