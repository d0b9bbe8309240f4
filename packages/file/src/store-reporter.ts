import { type Logger, logSafely, systemErrorCode } from '@cachestack/core';
import type { StoreCounters } from './namespace-sweep.js';

/**
 * What an entry store reports about itself: the health counters and the
 * log lines that go with them (the `logger` option). Fields name the
 * namespace and file paths, never a value. Internal to the package.
 */
export class StoreReporter {
  /** Counters for health details. */
  readonly counters: StoreCounters = {
    corruptEntries: 0,
    evictions: 0,
    expiredRemoved: 0,
    staleTempFilesRemoved: 0,
    expiredLocksRemoved: 0,
    sweeps: 0,
  };
  readonly #logger: Logger;
  readonly #namespace: string;

  constructor(logger: Logger, namespace: string) {
    this.#logger = logger;
    this.#namespace = namespace;
  }

  /** Counts a corrupt or foreign file at `path` (`corruptEntries`) and logs `why` (warn). */
  corrupt(path: string, why: string): void {
    this.counters.corruptEntries++;
    logSafely(this.#logger, 'warn', { namespace: this.#namespace, path }, why);
  }

  /** Logs (debug) that a corrupt entry could not be removed; the sweep tries again. */
  removalFailed(path: string, error: unknown): void {
    logSafely(
      this.#logger,
      'debug',
      { namespace: this.#namespace, path, errorCode: systemErrorCode(error) },
      'a corrupt entry could not be removed (the sweep retries)',
    );
  }

  /** Logs (debug) an eviction pass that removed `count` entries, `left` remaining. */
  evicted(count: number, left: number): void {
    if (count === 0) return;
    logSafely(
      this.#logger,
      'debug',
      { namespace: this.#namespace, evicted: count, entries: left },
      `evicted ${count} least recently used entries above the limits`,
    );
  }
}
