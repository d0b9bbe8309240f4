import { assertValidKeys, type BatchEntry, normalizeBatchEntries } from '@cachestack/core';
import type { EntryStorage } from './eviction/eviction-policy.js';
import type { AssertOpen } from './operation-runner.js';

// A memory backend's batch operations (core's `Batch` capability) on its
// entry storage, run synchronously by its OperationRunner: the inputs are
// validated first, then the closed check, then the entries change.

/**
 * `getMany`: fresh copies of the live values of `keys`, in order
 * (`undefined` for a miss). Each hit counts as a use.
 */
export function readMany(
  entries: EntryStorage,
  keys: readonly string[],
  assertOpen: AssertOpen,
): (Uint8Array | undefined)[] {
  assertValidKeys(keys, 'getMany');
  assertOpen('getMany');
  return keys.map((key) => entries.read(key));
}

/**
 * `setMany`: validates every entry, including its size against
 * `maxValueBytes` (bytes) and the store's byte limit, before any is stored.
 */
export function writeMany(
  entries: EntryStorage,
  batch: readonly BatchEntry[],
  maxValueBytes: number,
  assertOpen: AssertOpen,
): void {
  const normalized = normalizeBatchEntries(batch, 'setMany', maxValueBytes);
  const sizes = normalized.map((entry) => entries.sizeOf(entry.key, entry.value, 'setMany'));
  assertOpen('setMany');
  normalized.forEach((entry, index) => {
    entries.write(entry.key, entry.value, entry.ttlMs ?? 0, sizes[index]!);
  });
}

/** `deleteMany`: removes `keys`; resolves how many of them were live. */
export function deleteMany(
  entries: EntryStorage,
  keys: readonly string[],
  assertOpen: AssertOpen,
): number {
  assertValidKeys(keys, 'deleteMany');
  assertOpen('deleteMany');
  let existed = 0;
  for (const key of keys) if (entries.delete(key)) existed++;
  return existed;
}
