import type { Lock } from '@cachestack/core';

/** One entry of the {@link ReferenceModel}: its bytes and when it may expire. */
export interface ModelEntry {
  value: Buffer;
  /**
   * Window of epoch ms in which the backend's expiry lies: the call that set
   * it started at `expiresFrom - ttl` and ended at `expiresBy - ttl`.
   * Both `undefined`: no expiry.
   */
  expiresFrom: number | undefined;
  expiresBy: number | undefined;
}

/** What the model knows about a key during a call that ran from `startedAt` to `endedAt`. */
export type KeyState =
  | { kind: 'present'; entry: ModelEntry }
  | { kind: 'absent' }
  /** The entry's expiry may fall within the call: either answer is right. */
  | { kind: 'maybe'; entry: ModelEntry }
  /** A call that broke a rule touched the key: any answer is accepted until it is written or deleted. */
  | { kind: 'unknown' };

/**
 * The expected contents of a backend under fuzzing, with expiry windows
 * instead of exact expiry times: a backend computes its expiry at some
 * moment inside the `set` call, and reads happen at some moment inside
 * theirs, so an entry is only certainly live (or expired) outside a margin
 * of `marginMs` around that window.
 *
 * The model is the contract's meaning (DESIGN.md, "Pinned semantics"), kept
 * apart from core's validation helpers so that it checks them too.
 */
export class ReferenceModel {
  readonly #entries = new Map<string, ModelEntry>();
  readonly #unknown = new Set<string>();
  /** Keys locked by the sequence, with each lock's handle. */
  readonly locks = new Map<string, Lock>();
  readonly #marginMs: number;

  /** @param marginMs - clock and rounding slack around every expiry, in ms. */
  constructor(marginMs: number) {
    this.#marginMs = marginMs;
  }

  /** The state of `key` for a call that ran from `startedAt` to `endedAt` (epoch ms). */
  state(key: string, startedAt: number, endedAt: number): KeyState {
    if (this.#unknown.has(key)) return { kind: 'unknown' };
    const entry = this.#entries.get(key);
    if (entry === undefined) return { kind: 'absent' };
    if (entry.expiresFrom === undefined || entry.expiresBy === undefined) {
      return { kind: 'present', entry };
    }
    if (endedAt < entry.expiresFrom - this.#marginMs) return { kind: 'present', entry };
    if (startedAt > entry.expiresBy + this.#marginMs) {
      this.#entries.delete(key);
      return { kind: 'absent' };
    }
    return { kind: 'maybe', entry };
  }

  /**
   * The allowed range of a `getTtl` answer, in ms, for an entry with an
   * expiry read by a call from `startedAt` to `endedAt`.
   */
  ttlRange(entry: ModelEntry, startedAt: number, endedAt: number): [number, number] {
    const from = entry.expiresFrom ?? Number.POSITIVE_INFINITY;
    const by = entry.expiresBy ?? Number.POSITIVE_INFINITY;
    return [from - endedAt - this.#marginMs, by - startedAt + this.#marginMs];
  }

  /** Records a write made by a call from `startedAt` to `endedAt`. */
  set(
    key: string,
    value: Uint8Array,
    ttlMs: number | undefined,
    startedAt: number,
    endedAt: number,
  ): void {
    const ttl = ttlMs === undefined ? undefined : Math.ceil(ttlMs);
    this.#unknown.delete(key);
    this.#entries.set(key, {
      value: Buffer.from(value),
      expiresFrom: ttl === undefined ? undefined : startedAt + ttl,
      expiresBy: ttl === undefined ? undefined : endedAt + ttl,
    });
  }

  /** Records a successful `refreshTtl` made by a call from `startedAt` to `endedAt`. */
  refresh(key: string, ttlMs: number, startedAt: number, endedAt: number): void {
    if (this.#unknown.has(key)) return;
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    const ttl = Math.ceil(ttlMs);
    entry.expiresFrom = startedAt + ttl;
    entry.expiresBy = endedAt + ttl;
  }

  /** Records that `key` is gone (deleted, or seen expired). */
  delete(key: string): void {
    this.#unknown.delete(key);
    this.#entries.delete(key);
  }

  /** Records that a call which broke a rule may have changed `keys` in any way. */
  forget(keys: Iterable<string>): void {
    for (const key of keys) {
      this.#entries.delete(key);
      this.#unknown.add(key);
    }
  }

  /** Records a `clear()`. */
  clear(): void {
    this.#unknown.clear();
    this.#entries.clear();
  }

  /** Every key the model holds (some may be expired or about to expire), unknown ones excluded. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }
}
