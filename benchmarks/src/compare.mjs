// Ratios of each of our adapters to its floor and to its best peer.
import { FAMILIES, OPERATIONS, quantile, VALUE_SIZES } from './harness.mjs';

/**
 * Targets from issues 8 and 21, as the largest acceptable time ratio to the
 * floor, by `id` or, for one operation only, by `id:operation` (the SQLite
 * floor is a plain key/value table; a tiered L2 hit is held to one ioredis
 * GET).
 */
export const FLOOR_TARGETS = {
  memory: 1.3,
  getorset: undefined,
  file: 1.5,
  sqlite: 1.3,
  redis: 1.1,
  'redis-100': 1 / 0.9,
  'tiered:get hit': 1.2,
  'tiered-l2': 1.1,
};

/** What `system` is given as a value: `Buffer` unless it says otherwise. */
export const inputOf = (system) => system.input ?? 'Buffer';

/** The id of the floor `system` is compared with for `operation`, if any. */
export function floorIdOf(system, operation) {
  return system.floors !== undefined && operation in system.floors
    ? system.floors[operation]
    : system.floor;
}

/** The issue-8 floor target of `system` for `operation`, if any. */
export function floorTargetOf(system, operation) {
  return FLOOR_TARGETS[`${system.id}:${operation}`] ?? FLOOR_TARGETS[system.id];
}

/** The speed-up over the best peer that issue 8 asks for. */
export const PEER_TARGET = 2;

/**
 * The interquartile range [p25, p75] of `numerator ÷ denominator` ops/s taken
 * round by round (both batches of a ratio come from the same round, so they
 * saw the same machine state), or undefined when the two results were not
 * measured in the same interleaved rounds.
 */
export function pairedSpread(numerator, denominator) {
  if (numerator.measurement === undefined || numerator.measurement !== denominator.measurement) {
    return undefined;
  }
  const ratios = numerator.perRound.map((ops, round) => ops / denominator.perRound[round]);
  return [quantile(ratios, 0.25), quantile(ratios, 0.75)];
}

/**
 * True when `ratio` (from each side's near-best batch) lies outside
 * `spread`, the interquartile range of the same ratio taken round by round:
 * the batches were uneven (some rounds disturbed by other load), so the
 * range is the better reading of that comparison.
 */
export function outsideSpread(ratio, spread) {
  if (ratio === undefined || spread === undefined) return false;
  // Compared as printed (two decimals), so a mark never sits next to a range that shows the same figure.
  const shown = (n) => Math.round(n * 100);
  return shown(ratio) < shown(spread[0]) || shown(ratio) > shown(spread[1]);
}

/** The mark put after a ratio for which {@link outsideSpread} holds. */
export const OUTSIDE_MARK = '†';

/** The sentence that explains {@link OUTSIDE_MARK}. */
export const OUTSIDE_NOTE =
  "† this ratio of near-best batches lies outside its round-by-round range: the two sides' batches were uneven (rounds disturbed by other load on the machine), so read the range rather than the single figure.";

/**
 * One row per result, with `floorRatio` (floor ops/s ÷ ours: the time ratio,
 * lower is better), `peerSpeedup` (ours ÷ best peer ops/s, higher is better),
 * both from each side's best batch, their round-by-round spreads
 * (`floorSpread`, `peerSpread`) and the names of the floor and best peer, for
 * rows of our adapters.
 */
export function compare(systems, results) {
  const byId = new Map(systems.map((system) => [system.id, system]));
  const find = (id, size, operation) =>
    results.find((r) => r.id === id && r.size === size && r.operation === operation);
  const order = (r) => [
    FAMILIES.indexOf(r.family),
    VALUE_SIZES.indexOf(r.size),
    OPERATIONS.indexOf(r.operation),
    systems.indexOf(byId.get(r.id)),
  ];
  const sorted = [...results].sort((a, b) => {
    const x = order(a);
    const y = order(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  });
  return sorted.map((result) => {
    const system = byId.get(result.id);
    const row = { ...result, label: system.label, kind: system.kind, input: inputOf(system) };
    if (system.kind !== 'ours') return row;
    const floorId = floorIdOf(system, result.operation);
    const floor = floorId === undefined ? undefined : find(floorId, result.size, result.operation);
    if (floor !== undefined) {
      row.floorLabel = byId.get(floor.id).label;
      row.floorId = floor.id;
      row.floorRatio = floor.opsPerSec / result.opsPerSec;
      row.floorSpread = pairedSpread(floor, result);
      row.floorTarget = floorTargetOf(system, result.operation);
    }
    const peers = (system.peers ?? [])
      .map((id) => find(id, result.size, result.operation))
      .filter((peer) => peer !== undefined);
    if (peers.length > 0) {
      const best = peers.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a));
      row.peerLabel = byId.get(best.id).label;
      row.peerId = best.id;
      row.peerInput = inputOf(byId.get(best.id));
      row.peerSpeedup = result.opsPerSec / best.opsPerSec;
      row.peerSpread = pairedSpread(result, best);
    } else if (system.missingPeer !== undefined) {
      row.peerLabel = system.missingPeer;
    }
    return row;
  });
}
