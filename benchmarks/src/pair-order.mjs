// The order of systems within a round, so each of ours runs right after the
// floor it is compared with.
import { floorIdOf, floorTargetOf } from './compare.mjs';

/**
 * `systems` reordered so that every one of ours directly follows the system
 * it is compared with for `operation` (its floor, which may itself be one of
 * ours); when several share a floor, those with an issue-8 target come first.
 * The rounds rotate this order, so such pairs stay back to back in all rounds
 * but one. Systems without a measured floor keep their place.
 */
export function orderForPairs(systems, operation) {
  const ids = new Set(systems.map((system) => system.id));
  const hasFloorHere = (system) => {
    const floorId = system.kind === 'ours' ? floorIdOf(system, operation) : undefined;
    return floorId !== undefined && ids.has(floorId);
  };
  const followers = (floor) =>
    systems
      .filter((system) => hasFloorHere(system) && floorIdOf(system, operation) === floor.id)
      .sort(
        (a, b) =>
          Number(floorTargetOf(b, operation) !== undefined) -
          Number(floorTargetOf(a, operation) !== undefined),
      );
  const ordered = [];
  const place = (system) => {
    if (ordered.includes(system)) return;
    ordered.push(system);
    for (const follower of followers(system)) place(follower);
  };
  for (const system of systems) if (!hasFloorHere(system)) place(system);
  for (const system of systems) place(system); // a floor cycle, should one ever be configured
  return ordered;
}
