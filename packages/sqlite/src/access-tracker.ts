import type { SqliteStatements } from './statements.js';

/** Most reads remembered between two writes; later reads are not recorded. */
const MAX_PENDING = 10_000;

/**
 * Records reads for LRU eviction without making reads write. A read whose
 * stored access time is older than `resolutionMs` is remembered in memory;
 * the remembered times are written by the next write transaction of this
 * backend (which holds the write lock anyway, and runs eviction right after)
 * or by the purge timer. Reads in other processes are not visible to this
 * backend's eviction until they are flushed there.
 */
export class AccessTracker {
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #resolutionMs: number;
  readonly #pending = new Map<string, number>();

  /** @param resolutionMs - smallest change of a stored access time worth a write, in ms. */
  constructor(statements: SqliteStatements, namespace: string, resolutionMs: number) {
    this.#statements = statements;
    this.#namespace = namespace;
    this.#resolutionMs = resolutionMs;
  }

  /** Number of reads waiting to be written. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Notes a read of `key` at `now` (epoch ms) whose stored access time is `accessedAt`. */
  record(key: string, accessedAt: number, now: number): void {
    if (now - accessedAt < this.#resolutionMs) return;
    if (this.#pending.size >= MAX_PENDING && !this.#pending.has(key)) return;
    this.#pending.set(key, now);
  }

  /** Writes the remembered access times. Must run inside a write transaction. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const touch = this.#statements.touch;
    for (const [key, now] of this.#pending) touch.run({ ns: this.#namespace, key, now });
    this.#pending.clear();
  }

  /** Forgets remembered reads (after `clear()`). */
  forget(): void {
    this.#pending.clear();
  }
}
