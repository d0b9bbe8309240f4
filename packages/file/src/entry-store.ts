import type { Dirent } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_KEY_BYTES } from '@cachestack/core';
import {
  type DecodedEntry,
  decodeEntry,
  entrySizeFromHeader,
  HEADER_BYTES,
  isExpired,
} from './entry-format.js';
import { EntryPaths, isEntryName, isShardName, tempName } from './entry-paths.js';
import type { ResolvedFileBackendOptions } from './file-backend-options.js';
import { MAX_VALUE_BYTES_LIMIT } from './file-backend-options.js';
import { FileLocks } from './file-locks.js';
import { isMissing } from './fs-errors.js';
import { LruIndex } from './lru-index.js';
import { mapLimit } from './map-limit.js';
import { type StoreCounters, sweepNamespace } from './namespace-sweep.js';
import {
  DIRECTORY_MODE,
  ensureDirectory,
  inspectDirectory,
  listDirectory,
  readWholeFile,
  unlinkIfSame,
  unlinkQuietly,
  writeAtomically,
} from './safe-fs.js';
import { StoreReporter } from './store-reporter.js';
import { releaseWriteBuffer } from './write-buffers.js';

/** Largest entry file read: any key and the largest value any instance may write. */
const MAX_FILE_BYTES = HEADER_BYTES + MAX_KEY_BYTES + MAX_VALUE_BYTES_LIMIT;

/** How entry files are read. */
const ENTRY_READ = { maxBytes: MAX_FILE_BYTES, sizeFromHead: entrySizeFromHeader } as const;

/** Files opened at once by scans. */
const SCAN_CONCURRENCY = 16;

/**
 * Most attempts of one write, lock attempt or health probe when its
 * directories keep vanishing (a cleanup job removing the cache directory);
 * after them the ENOENT is reported (TRANSIENT `UNAVAILABLE`).
 */
const DIRECTORY_ATTEMPTS = 5;

/**
 * Bytes the health probe writes: a small entry's worth, so a file system
 * with room for an empty file but not for one block shows as unhealthy.
 */
const PROBE_BYTES = 64;
const PROBE_DATA = Buffer.alloc(PROBE_BYTES);

/**
 * The entry files of one namespace: safe reads and atomic writes, corruption
 * handling, the LRU index and the sweep. Knows nothing of validation,
 * timeouts or the closed state (see `FileBackend`).
 */
export class EntryStore {
  /** Where entries and locks live. */
  readonly paths: EntryPaths;
  /** The namespace's lock files. */
  readonly locks: FileLocks;
  /** Health counters and the log lines that go with them. */
  readonly reporter: StoreReporter;
  /** Counters for health details. */
  readonly counters: StoreCounters;
  readonly #root: string;
  readonly #options: ResolvedFileBackendOptions;
  readonly #limited: boolean;
  readonly #index = new LruIndex();
  #indexReady: Promise<void> | undefined;
  #sweeping: Promise<void> | undefined;
  #writtenDuringSweep: Map<string, number> | undefined;

  constructor(root: string, options: ResolvedFileBackendOptions) {
    this.#root = root;
    this.#options = options;
    this.reporter = new StoreReporter(options.logger, options.namespace);
    this.counters = this.reporter.counters;
    this.paths = new EntryPaths(root, options.namespace);
    this.locks = new FileLocks(
      this.paths.locksDirectory,
      () =>
        inspectDirectory(this.paths.namespaceDirectory) === 'directory' &&
        inspectDirectory(this.paths.locksDirectory) === 'directory',
    );
    this.#limited = Number.isFinite(options.maxBytes) || Number.isFinite(options.maxEntries);
  }

  /** Entries and bytes in the LRU index, when limits are set and it was built. */
  get indexStats(): { entries: number; bytes: number } | undefined {
    if (!this.#limited || this.#indexReady === undefined) return undefined;
    return { entries: this.#index.size, bytes: this.#index.bytes };
  }

  /**
   * Makes sure the root and namespace directories exist as real directories.
   * Checked on every write with one synchronous `lstat` (a symlink planted
   * as the namespace directory after the first write is seen and replaced).
   */
  async ensureNamespace(): Promise<void> {
    if (inspectDirectory(this.paths.namespaceDirectory) === 'directory') return;
    await mkdir(this.#root, { recursive: true, mode: DIRECTORY_MODE });
    const rootStats = await stat(this.#root);
    if (!rootStats.isDirectory()) {
      throw Object.assign(new Error(`${this.#root} is not a directory`), { code: 'ENOTDIR' });
    }
    await ensureDirectory(this.paths.namespaceDirectory);
  }

  /**
   * Re-checks the directories and writes (with the configured durability),
   * renames and removes a probe file of {@link PROBE_BYTES} in the namespace
   * directory, so a read-only, full or replaced directory shows.
   */
  async probe(): Promise<void> {
    await this.#withDirectories(async () => {
      const probe = join(this.paths.namespaceDirectory, tempName());
      const fsync = this.#options.durability === 'fsync';
      await writeAtomically(this.paths.namespaceDirectory, probe, PROBE_DATA, fsync);
      await unlinkQuietly(probe);
    });
  }

  /** Resolves when the sweep in progress, if any, has finished. */
  async settled(): Promise<void> {
    await this.#sweeping?.catch(() => undefined);
  }

  /**
   * One attempt to take the lock file at `path` (see `FileLocks.tryAcquire`),
   * first making sure the namespace and lock directories are real
   * directories; recreated when they vanish meanwhile.
   */
  tryAcquireLock(path: string, ttlMs: number): Promise<string | undefined> {
    return this.#withDirectories(async () => {
      await ensureDirectory(this.paths.locksDirectory);
      return this.locks.tryAcquire(path, ttlMs);
    });
  }

  /** Reads and verifies the live entry of `key`; `undefined` when missing, expired or corrupt. */
  async read(key: string): Promise<DecodedEntry | undefined> {
    const location = this.paths.entry(key);
    if (!(await this.#intact(location.shardDirectory))) return undefined;
    let decoded: ReturnType<typeof decodeEntry> | undefined;
    const now = Date.now();
    const found = await readWholeFile(location.file, {
      ...ENTRY_READ,
      needsIdentity: (data) => {
        decoded = decodeEntry(data, key);
        return 'corrupt' in decoded || isExpired(decoded.expiresAt, now);
      },
    });
    if (found.kind === 'missing') {
      this.#index.remove(location.file);
      return undefined;
    }
    if (found.kind === 'foreign' || decoded === undefined || 'corrupt' in decoded) {
      await this.#discardCorrupt(location.file, found.ino);
      return undefined;
    }
    if (isExpired(decoded.expiresAt, now)) {
      this.counters.expiredRemoved++;
      this.#index.remove(location.file);
      // The answer is a miss either way; a removal that fails is left to the sweep.
      await unlinkIfSame(location.file, found.ino).catch(() => undefined);
      return undefined;
    }
    this.#index.touch(location.file);
    return decoded;
  }

  /**
   * Writes an entry encoded by `encodeEntry` (into a `takeWriteBuffer`
   * buffer) atomically (temp file + rename), hands the buffer back, then
   * evicts least recently used entries above the limits.
   */
  async write(key: string, encoded: Buffer): Promise<void> {
    const location = this.paths.entry(key);
    const fsync = this.#options.durability === 'fsync';
    const bytes = encoded.byteLength;
    try {
      await this.#withDirectories(async () => {
        await ensureDirectory(location.shardDirectory);
        await writeAtomically(location.shardDirectory, location.file, encoded, fsync);
      });
    } finally {
      releaseWriteBuffer(encoded);
    }
    if (this.#limited) await this.#recordWrite(location.file, bytes);
  }

  /**
   * Removes the entry. Resolves true when a live, valid entry was removed.
   * The file is first renamed to a private name, so of several concurrent
   * deletes (in any process) exactly one sees it.
   */
  async remove(key: string): Promise<boolean> {
    const location = this.paths.entry(key);
    if (!(await this.#intact(location.shardDirectory))) return false;
    const claimed = join(location.shardDirectory, tempName());
    try {
      await rename(location.file, claimed);
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    this.#index.remove(location.file);
    const found = await readWholeFile(claimed, ENTRY_READ).catch(async (error: unknown) => {
      await unlinkQuietly(claimed).catch(() => undefined);
      throw error;
    });
    if (found.kind === 'missing') return false;
    if (found.kind === 'file') {
      await unlinkQuietly(claimed);
      const decoded = decodeEntry(found.data, key);
      if (!('corrupt' in decoded)) return !isExpired(decoded.expiresAt, Date.now());
      this.reporter.corrupt(location.file, 'a corrupt entry was deleted');
      return false;
    }
    // A symlink (removed: only the link) or a directory (foreign: put back, never removed).
    this.reporter.corrupt(location.file, 'a foreign file in place of an entry was found by delete');
    if (inspectDirectory(claimed) === 'directory') {
      await rename(claimed, location.file).catch(() => undefined);
    } else {
      await unlinkQuietly(claimed);
    }
    return false;
  }

  /** Live keys of the namespace starting with `prefix`, in no particular order. */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for (const shard of await this.#shards()) {
      const names = (await this.#list(shard))
        .filter((dirent) => isEntryName(dirent.name) && !dirent.isDirectory())
        .map((dirent) => join(shard, dirent.name));
      const found = await mapLimit(names, SCAN_CONCURRENCY, async (file) => {
        if (!(await this.#intact(shard))) return undefined;
        const read = await readWholeFile(file, ENTRY_READ);
        if (read.kind === 'foreign') await this.#discardCorrupt(file, read.ino);
        if (read.kind !== 'file') return undefined;
        const decoded = decodeEntry(read.data);
        if ('corrupt' in decoded || this.paths.entry(decoded.key).file !== file) {
          await this.#discardCorrupt(file, read.ino);
          return undefined;
        }
        return isExpired(decoded.expiresAt, Date.now()) ? undefined : decoded.key;
      });
      for (const key of found) if (key?.startsWith(prefix)) keys.push(key);
    }
    return keys;
  }

  /** Removes every entry of the namespace (temp files of writes in flight and locks stay). */
  async clear(): Promise<void> {
    for (const shard of await this.#shards()) {
      const names = (await this.#list(shard))
        .filter((dirent) => isEntryName(dirent.name) && !dirent.isDirectory())
        .map((dirent) => join(shard, dirent.name));
      await mapLimit(names, SCAN_CONCURRENCY, async (file) => {
        if (await this.#intact(shard)) await unlinkQuietly(file);
      });
    }
    this.#index.reset();
  }

  /**
   * One pass over the namespace: removes expired and corrupt entries, symlinks
   * planted as shards or entries, and temp files older than
   * `staleTempFileMs`; re-reads entry sizes into the LRU index and evicts
   * above the limits. Concurrent calls share one pass.
   */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepOnce().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<void> {
    this.#writtenDuringSweep = new Map();
    try {
      const scanned = await sweepNamespace({
        paths: this.paths,
        locks: this.locks,
        counters: this.counters,
        staleTempFileMs: this.#options.staleTempFileMs,
        namespaceEntries: () => this.#namespaceEntries(),
        shards: () => this.#shards(),
        intact: (directory) => this.#intact(directory),
        discardCorrupt: (file, ino) => this.#discardCorrupt(file, ino),
        countCorrupt: (path, why) => this.reporter.corrupt(path, why),
        forget: (file) => this.#index.remove(file),
      });
      if (this.#limited) {
        this.#index.replaceWith(scanned);
        for (const [file, bytes] of this.#writtenDuringSweep) this.#index.upsert(file, bytes);
        await this.#evict();
      }
      this.counters.sweeps++;
    } finally {
      this.#writtenDuringSweep = undefined;
    }
  }

  async #recordWrite(file: string, bytes: number): Promise<void> {
    this.#indexReady ??= this.sweep().catch((error: unknown) => {
      this.#indexReady = undefined;
      throw error;
    });
    await this.#indexReady;
    this.#index.upsert(file, bytes);
    this.#writtenDuringSweep?.set(file, bytes);
    await this.#evict();
  }

  async #evict(): Promise<void> {
    const { maxBytes, maxEntries } = this.#options;
    let evicted = 0;
    for (const file of this.#index.takeOverflow(maxBytes, maxEntries)) {
      this.#writtenDuringSweep?.delete(file);
      this.counters.evictions++;
      evicted++;
      await unlinkQuietly(file);
    }
    this.reporter.evicted(evicted, this.#index.size);
  }

  /**
   * Runs `fn` after making sure the namespace directory exists; when a
   * directory on the way went missing (ENOENT: removed by a cleanup job, or
   * replaced by a symlink), recreates them and runs it again, at most
   * {@link DIRECTORY_ATTEMPTS} times in all. `fn` must be safe to repeat.
   */
  async #withDirectories<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ensureNamespace();
        return await fn();
      } catch (error) {
        if (!isMissing(error) || attempt >= DIRECTORY_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * True when the namespace directory and `directory` (the namespace
   * directory itself or one directly inside it) are real directories, looked
   * at with synchronous `lstat`s and never followed. A missing one means a
   * miss; a symlink or file planted in place of either is removed (only the
   * link) and counted as corrupt.
   */
  async #intact(directory: string): Promise<boolean> {
    const namespace = this.paths.namespaceDirectory;
    let path = namespace;
    let state = inspectDirectory(namespace);
    if (state === 'directory' && directory !== namespace) {
      path = directory;
      state = inspectDirectory(directory);
    }
    if (state === 'directory') return true;
    if (state === 'foreign') {
      this.reporter.corrupt(
        path,
        'a symlink or file planted in place of a cache directory was removed',
      );
      await unlinkQuietly(path).catch(() => undefined);
    }
    return false;
  }

  /** The entries of `directory` (see {@link EntryStore.#intact}); none when it is not intact. */
  async #list(directory: string): Promise<Dirent[]> {
    return (await this.#intact(directory)) ? listDirectory(directory) : [];
  }

  /** Counts and removes a corrupt or foreign entry; failures to remove it are ignored. */
  async #discardCorrupt(file: string, ino: number | undefined): Promise<void> {
    this.reporter.corrupt(file, 'a corrupt or foreign entry was dropped');
    this.#index.remove(file);
    await unlinkIfSame(file, ino).catch((error: unknown) =>
      this.reporter.removalFailed(file, error),
    );
  }

  /** The namespace directory's entries; none when it is missing or not a real directory. */
  #namespaceEntries(): Promise<Dirent[]> {
    return this.#list(this.paths.namespaceDirectory);
  }

  async #shards(): Promise<string[]> {
    return (await this.#namespaceEntries())
      .filter((dirent) => isShardName(dirent.name) && dirent.isDirectory())
      .map((dirent) => join(this.paths.namespaceDirectory, dirent.name));
  }
}
