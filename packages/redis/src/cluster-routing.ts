import type { Cluster } from 'ioredis';
import { keySlot } from './key-slot.js';

/**
 * Groups Redis keys for a Cluster: by node (as far as the client's slot map
 * knows), then by slot, so each node gets one pipeline holding one multi-key
 * command per slot. Keys of unknown slots (or every key, with `bySlotOnly`)
 * get one group per slot. Returns the groups as indexes into `keys`.
 */
export function groupKeysByNode(
  cluster: Cluster,
  keys: readonly string[],
  bySlotOnly = false,
): number[][][] {
  // ioredis accepts a Cluster pipeline only when every key maps to the same
  // entry of its (internal) slot-group table; group by that table when present.
  const groupBySlot = (cluster as unknown as { _groupsBySlot?: (number | undefined)[] })
    ._groupsBySlot;
  const nodes = new Map<string, Map<number, number[]>>();
  for (let index = 0; index < keys.length; index++) {
    const slot = keySlot(keys[index] as string);
    const groupId = bySlotOnly ? undefined : groupBySlot?.[slot];
    const node = groupId === undefined ? `slot:${slot}` : `group:${groupId}`;
    let slots = nodes.get(node);
    if (slots === undefined) {
      slots = new Map();
      nodes.set(node, slots);
    }
    const group = slots.get(slot);
    if (group === undefined) slots.set(slot, [index]);
    else group.push(index);
  }
  return [...nodes.values()].map((slots) => [...slots.values()]);
}

/** Groups Redis keys by Cluster slot (for multi-key commands sent to one node). */
export function groupKeysBySlot(keys: readonly string[]): string[][] {
  const slots = new Map<number, string[]>();
  for (const key of keys) {
    const slot = keySlot(key);
    const group = slots.get(slot);
    if (group === undefined) slots.set(slot, [key]);
    else group.push(key);
  }
  return [...slots.values()];
}
