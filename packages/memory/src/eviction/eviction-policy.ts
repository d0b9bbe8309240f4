import { EntryStore, type EntryStoreLimits } from '../entry-store.js';
import { TinyLfuEntryStore } from './tinylfu-entry-store.js';

/**
 * How a {@link MemoryBackend} chooses what to evict when a limit is reached:
 * - `'lru'`: the least recently used entry.
 * - `'tinylfu'`: W-TinyLFU (as in Caffeine): new entries pass through a small
 *   LRU window, then must have been used more often (per a count-min sketch
 *   of recent use) than the entry they would replace. Scans and one-off keys
 *   never flush the frequently used ones; on frequency-biased workloads the
 *   hit ratio is higher than LRU's. Costs about 8 bytes per entry of
 *   capacity for the frequency sketch and 3–7 for the window tuner's history.
 */
export type EvictionPolicy = 'lru' | 'tinylfu';

/** The eviction policies, in a list. */
export const EVICTION_POLICIES: readonly EvictionPolicy[] = Object.freeze(['lru', 'tinylfu']);

/** Options of {@link MemoryBackend} that choose its eviction policy. */
export interface MemoryPolicyOptions {
  /**
   * What to evict when a limit is reached; see {@link EvictionPolicy}.
   * @default 'lru'
   */
  policy?: EvictionPolicy | undefined;
}

/**
 * What a {@link MemoryBackend} needs of its entry store: the public members of
 * {@link EntryStore}, which {@link TinyLfuEntryStore} offers too.
 */
export type EntryStorage = { [Member in keyof EntryStore]: EntryStore[Member] };

/**
 * Validates {@link MemoryPolicyOptions.policy}.
 * @throws TypeError naming the option.
 */
export function resolvePolicy(value: unknown): EvictionPolicy {
  if (value === undefined) return 'lru';
  if (value === 'lru' || value === 'tinylfu') return value;
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = typeof value;
  }
  throw new TypeError(`MemoryBackend: option "policy" must be "lru" or "tinylfu", got ${shown}`);
}

/**
 * The entry store for `options.policy` (validated here), enforcing `limits`.
 * @throws TypeError when the policy option is invalid.
 */
export function createEntryStorage(
  limits: EntryStoreLimits,
  options: MemoryPolicyOptions,
): EntryStorage {
  return resolvePolicy(options.policy) === 'tinylfu'
    ? new TinyLfuEntryStore(limits)
    : new EntryStore(limits);
}
