/** One stored entry of the example cache service. */
interface StoredEntry {
  /** The bytes, owned by the store. */
  value: Buffer;
  /** `performance.now()` time at which the entry expires; `undefined` means never. */
  expiresAt: number | undefined;
}

/** How often expired entries are swept away, in ms. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * The service's storage: one `Map` per namespace, expiry on the service's
 * monotonic clock. Expired entries are invisible at once and removed on the
 * next access or by a sweep every 30 s (an unref'd timer). No `setTimeout`
 * per entry, so TTLs beyond 2^31−1 ms work.
 */
export class EntryStore {
  readonly #namespaces = new Map<string, Map<string, StoredEntry>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor() {
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  /** The live entry, or `undefined`. */
  get(namespace: string, key: string): { value: Buffer; ttlMs: number | undefined } | undefined {
    const entry = this.#live(namespace, key);
    if (entry === undefined) return undefined;
    return { value: entry.value, ttlMs: remaining(entry) };
  }

  /** Stores `value` (kept as is: pass bytes nobody else holds). Without `ttlMs` it never expires. */
  set(namespace: string, key: string, value: Buffer, ttlMs: number | undefined): void {
    let entries = this.#namespaces.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      this.#namespaces.set(namespace, entries);
    }
    entries.set(key, {
      value,
      expiresAt: ttlMs === undefined ? undefined : performance.now() + ttlMs,
    });
  }

  /** Makes a live entry expire `ttlMs` from now; `false` when it is missing. */
  refresh(namespace: string, key: string, ttlMs: number): boolean {
    const entry = this.#live(namespace, key);
    if (entry === undefined) return false;
    entry.expiresAt = performance.now() + ttlMs;
    return true;
  }

  /** Removes the entry; `true` when it was live. */
  delete(namespace: string, key: string): boolean {
    const live = this.#live(namespace, key) !== undefined;
    this.#namespaces.get(namespace)?.delete(key);
    return live;
  }

  /** Removes every entry of `namespace`. */
  clear(namespace: string): void {
    this.#namespaces.delete(namespace);
  }

  /** How many entries are stored (expired ones not yet swept included). */
  get size(): number {
    let size = 0;
    for (const entries of this.#namespaces.values()) size += entries.size;
    return size;
  }

  /** Stops the sweeper. */
  close(): void {
    clearInterval(this.#sweeper);
  }

  #live(namespace: string, key: string): StoredEntry | undefined {
    const entries = this.#namespaces.get(namespace);
    const entry = entries?.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= performance.now()) {
      entries?.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    const now = performance.now();
    for (const [namespace, entries] of this.#namespaces) {
      for (const [key, entry] of entries) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) entries.delete(key);
      }
      if (entries.size === 0) this.#namespaces.delete(namespace);
    }
  }
}

/** Remaining ms, rounded up so a live entry never reports 0; `undefined` for no expiry. */
function remaining(entry: StoredEntry): number | undefined {
  if (entry.expiresAt === undefined) return undefined;
  return Math.max(1, Math.ceil(entry.expiresAt - performance.now()));
}
