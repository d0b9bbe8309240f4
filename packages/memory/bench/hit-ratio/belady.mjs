// Bélády's optimal hit ratio, offline: on a miss with a full cache, evict the
// entry whose next use is farthest away, or bypass the new key when its own
// next use is farther still (the bound for any policy that may refuse
// admission, as TinyLFU does). O(n log n): next-occurrence index + max-heap
// with lazy deletion.

/** For each access, the index of the next access to the same key (`ids.length` when none). */
export function nextUses(ids, distinct) {
  const next = new Int32Array(ids.length);
  const later = new Int32Array(distinct).fill(ids.length);
  for (let index = ids.length - 1; index >= 0; index--) {
    const id = ids[index];
    next[index] = later[id];
    later[id] = index;
  }
  return next;
}

/** Hit ratio of the optimal cache of `capacity` entries on `trace`, given its {@link nextUses}. */
export function beladyHitRatio(trace, capacity, next) {
  const { ids, distinct } = trace;
  // cached[id]: the next use recorded for a cached key, or -1 when not cached.
  const cached = new Int32Array(distinct).fill(-1);
  const heapUse = new Int32Array(ids.length + 1);
  const heapId = new Int32Array(ids.length + 1);
  let heapSize = 0;
  const push = (use, id) => {
    let slot = heapSize++;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (heapUse[parent] >= use) break;
      heapUse[slot] = heapUse[parent];
      heapId[slot] = heapId[parent];
      slot = parent;
    }
    heapUse[slot] = use;
    heapId[slot] = id;
  };
  const pop = () => {
    const lastUse = heapUse[--heapSize];
    const lastId = heapId[heapSize];
    let slot = 0;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= heapSize) break;
      if (child + 1 < heapSize && heapUse[child + 1] > heapUse[child]) child++;
      if (heapUse[child] <= lastUse) break;
      heapUse[slot] = heapUse[child];
      heapId[slot] = heapId[child];
      slot = child;
    }
    heapUse[slot] = lastUse;
    heapId[slot] = lastId;
  };
  // Drops heap entries that no longer describe a cached key.
  const settle = () => {
    while (heapSize > 0 && cached[heapId[0]] !== heapUse[0]) pop();
  };
  let size = 0;
  let hits = 0;
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index];
    const use = next[index];
    if (cached[id] !== -1) {
      hits++;
      cached[id] = use;
      push(use, id);
      continue;
    }
    if (size < capacity) {
      size++;
    } else {
      settle();
      if (heapUse[0] <= use) continue; // bypass: the new key is needed last
      cached[heapId[0]] = -1;
      pop();
    }
    cached[id] = use;
    push(use, id);
  }
  return hits / ids.length;
}
