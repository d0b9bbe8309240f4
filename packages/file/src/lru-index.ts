/** One entry file seen by a directory scan. */
export interface ScannedEntry {
  /** The entry file path. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** Its modification time in epoch ms (when it was written). */
  mtimeMs: number;
}

/**
 * The in-memory least-recently-used order of one namespace's entry files,
 * with their sizes, for eviction without walking the directory on every
 * write. Built by one scan, then kept up to date by this process's own
 * reads and writes; re-synchronised by each sweep. Entries written or read
 * by other processes are only seen at the next scan, so across processes
 * the order is approximate (by write time).
 */
export class LruIndex {
  /** Entry path → size in bytes; iteration order is least recently used first. */
  readonly #entries = new Map<string, number>();
  #bytes = 0;

  /** Number of entries tracked. */
  get size(): number {
    return this.#entries.size;
  }

  /** Total size of the tracked entry files, in bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Marks `path` as just used. */
  touch(path: string): void {
    const bytes = this.#entries.get(path);
    if (bytes === undefined) return;
    this.#entries.delete(path);
    this.#entries.set(path, bytes);
  }

  /** Records that `path` now holds `bytes` bytes and was just used. */
  upsert(path: string, bytes: number): void {
    this.remove(path);
    this.#entries.set(path, bytes);
    this.#bytes += bytes;
  }

  /** Forgets `path`. */
  remove(path: string): void {
    const bytes = this.#entries.get(path);
    if (bytes === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= bytes;
  }

  /** Forgets everything. */
  reset(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /**
   * Removes and returns least recently used paths until at most `maxBytes`
   * bytes and `maxEntries` entries remain.
   */
  takeOverflow(maxBytes: number, maxEntries: number): string[] {
    const evicted: string[] = [];
    for (const [path, bytes] of this.#entries) {
      if (this.#bytes <= maxBytes && this.#entries.size <= maxEntries) break;
      this.#entries.delete(path);
      this.#bytes -= bytes;
      evicted.push(path);
    }
    return evicted;
  }

  /**
   * Replaces the contents with a scan. Entries this index already knew keep
   * their relative order and count as more recent than new ones, which are
   * ordered by write time.
   */
  replaceWith(scanned: readonly ScannedEntry[]): void {
    const known = new Map<string, number>();
    const unknown: ScannedEntry[] = [];
    const present = new Map(scanned.map((entry) => [entry.path, entry]));
    for (const [path] of this.#entries) {
      const entry = present.get(path);
      if (entry !== undefined) known.set(path, entry.bytes);
    }
    for (const entry of scanned) if (!known.has(entry.path)) unknown.push(entry);
    unknown.sort((a, b) => a.mtimeMs - b.mtimeMs);
    this.reset();
    for (const entry of unknown) this.upsert(entry.path, entry.bytes);
    for (const [path, bytes] of known) this.upsert(path, bytes);
  }
}
