import type { SqliteStatements } from './statements.js';

/** Most accesses remembered between two flushes; later ones wait for the next window. */
const MAX_PENDING = 10_000;

/**
 * Records accesses for eviction without making each one write. A read
 * (`'lru'`) or a rewrite whose stored access time is at least `resolutionMs`
 * old is remembered in memory; the remembered times are written together by
 * this backend's first write transaction once the oldest of them is
 * `resolutionMs` old (or {@link MAX_PENDING} are waiting), right before an
 * eviction, by the purge timer and at `close()`. Batching them is what keeps
 * a `set` from moving its entry in the access index (two or three more pages
 * per commit) every time. Other processes' evictions see these accesses once
 * they are written.
 */
export class AccessTracker {
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #resolutionMs: number;
  readonly #pending = new Map<string, number>();
  /** When the oldest pending access was recorded (epoch ms). */
  #since = 0;

  /** @param resolutionMs - smallest change of a stored access time worth a write, in ms. */
  constructor(statements: SqliteStatements, namespace: string, resolutionMs: number) {
    this.#statements = statements;
    this.#namespace = namespace;
    this.#resolutionMs = resolutionMs;
  }

  /** Number of accesses waiting to be written. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Notes an access of `key` at `now` (epoch ms) whose stored access time is
   * `accessedAt` (`-Infinity` when unknown: the write then checks it).
   */
  record(key: string, accessedAt: number, now: number): void {
    if (now - accessedAt < this.#resolutionMs) return;
    const pending = this.#pending;
    if (pending.size === 0) this.#since = now;
    else if (pending.size >= MAX_PENDING && !pending.has(key)) return;
    pending.set(key, now);
  }

  /** True when the pending accesses should be written now (at `now`, epoch ms). */
  due(now: number): boolean {
    const size = this.#pending.size;
    return size > 0 && (size >= MAX_PENDING || now - this.#since >= this.#resolutionMs);
  }

  /** Writes the remembered access times. Must run inside a write transaction. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const touch = this.#statements.touch;
    const ns = this.#namespace;
    const resolution = this.#resolutionMs;
    for (const [key, now] of this.#pending) touch.run({ ns, key, now, resolution });
    this.#pending.clear();
  }

  /** Forgets remembered accesses (after `clear()`). */
  forget(): void {
    this.#pending.clear();
  }
}
