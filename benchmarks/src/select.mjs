// BENCH_ONLY: which systems a filtered run measures.
import { floorIdOf } from './compare.mjs';
import { OPERATIONS } from './harness.mjs';

/**
 * The entries of a `BENCH_ONLY` value (comma-separated row ids or id
 * prefixes, e.g. `memory,redis-`), or undefined when unset or empty (a full
 * run).
 */
export function parseOnly(raw) {
  if (raw === undefined) return undefined;
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.length === 0 ? undefined : entries;
}

/**
 * The systems a run filtered by `only` measures: every system whose id
 * equals or starts with one of the entries, plus the floors and peers those
 * are compared with (so their ratios are still computed), in the original
 * order. Throws when an entry matches no system, naming the known ids.
 */
export function selectSystems(systems, only) {
  if (only === undefined) return systems;
  const wanted = new Set();
  for (const entry of only) {
    const matched = systems.filter((system) => system.id.startsWith(entry));
    if (matched.length === 0) {
      const ids = systems.map((system) => system.id).join(', ');
      throw new Error(`BENCH_ONLY: "${entry}" matches no row id (known ids: ${ids})`);
    }
    for (const system of matched) wanted.add(system.id);
  }
  for (const system of systems.filter((s) => wanted.has(s.id))) {
    for (const operation of OPERATIONS) {
      const floor = floorIdOf(system, operation);
      if (floor !== undefined) wanted.add(floor);
    }
    for (const peer of system.peers ?? []) wanted.add(peer);
  }
  return systems.filter((system) => wanted.has(system.id));
}
