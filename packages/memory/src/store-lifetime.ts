import type { EntryStorage } from './eviction/eviction-policy.js';
import type { ResolvedMemoryOptions } from './memory-backend-options.js';
import type { MemoryLocks } from './memory-locks.js';
import { SnapshotPersistence } from './snapshot-persistence.js';

/**
 * What happens to a memory backend's entries and locks between open and
 * close, apart from the operations: the timer that sweeps expired entries
 * every `purgeIntervalMs`; with a snapshot, the file loaded on open and saved
 * every `snapshot.intervalMs` ({@link SnapshotPersistence}); and the close
 * that stops all this, drops entries and locks and saves the snapshot once more.
 */
export class StoreLifetime {
  readonly #entries: EntryStorage;
  readonly #locks: MemoryLocks;
  readonly #snapshot: SnapshotPersistence | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  /** Starts the sweep timer (unref'd) for `entries`; the snapshot waits for {@link StoreLifetime.load}. */
  constructor(entries: EntryStorage, locks: MemoryLocks, options: ResolvedMemoryOptions) {
    this.#entries = entries;
    this.#locks = locks;
    if (options.snapshot !== undefined) {
      this.#snapshot = new SnapshotPersistence(
        options.snapshot,
        {
          collect: () => entries.collect(Date.now()),
          changeCount: () => entries.changeCount,
        },
        options.logger,
      );
    }
    if (options.purgeIntervalMs > 0) {
      this.#purgeTimer = setInterval(() => entries.purgeStale(), options.purgeIntervalMs);
      this.#purgeTimer.unref();
    }
  }

  /** The snapshot file's path, if there is a snapshot. */
  get snapshotPath(): string | undefined {
    return this.#snapshot?.path;
  }

  /**
   * With a snapshot: restores its unexpired entries (never throws: an
   * unreadable file is a warning and an empty cache), then starts interval saves.
   */
  async load(): Promise<void> {
    if (this.#snapshot === undefined) return;
    const now = Date.now();
    this.#entries.restore(await this.#snapshot.load(now), now);
    this.#snapshot.start();
  }

  /**
   * Stops the timers and drops every entry and lock (waiters are woken) at
   * once; with a snapshot, then saves the entries live at that moment.
   * Idempotent: later calls resolve once the first ends.
   * @throws BackendError (classified), from the first call only, when that final save fails.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing.then(noop, noop);
    this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#purgeTimer !== undefined) clearInterval(this.#purgeTimer);
    const entries = this.#snapshot === undefined ? undefined : this.#entries.collect(Date.now());
    this.#entries.clear();
    this.#locks.clear();
    if (this.#snapshot !== undefined && entries !== undefined) await this.#snapshot.stop(entries);
  }
}

function noop(): void {}
