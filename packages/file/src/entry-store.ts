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
import {
  type EntryLocation,
  EntryPaths,
  isEntryName,
  isShardName,
  tempName,
} from './entry-paths.js';
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
import { releaseWriteBuffer } from './write-buffers.js';

/** Largest entry file read: any key and the largest value any instance may write. */
const MAX_FILE_BYTES = HEADER_BYTES + MAX_KEY_BYTES + MAX_VALUE_BYTES_LIMIT;

/** How entry files are read. */
const ENTRY_READ = { maxBytes: MAX_FILE_BYTES, sizeFromHead: entrySizeFromHeader } as const;

/** Files opened at once by scans. */
const SCAN_CONCURRENCY = 16;

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
  /** Counters for health details. */
  readonly counters: StoreCounters = {
    corruptEntries: 0,
    evictions: 0,
    expiredRemoved: 0,
    staleTempFilesRemoved: 0,
    expiredLocksRemoved: 0,
    sweeps: 0,
  };
  readonly #root: string;
  readonly #options: ResolvedFileBackendOptions;
  readonly #limited: boolean;
  readonly #index = new LruIndex();
  #indexReady: Promise<void> | undefined;
  #namespaceVerified = false;
  #sweeping: Promise<void> | undefined;
  #writtenDuringSweep: Map<string, number> | undefined;

  constructor(root: string, options: ResolvedFileBackendOptions) {
    this.#root = root;
    this.#options = options;
    this.paths = new EntryPaths(root, options.namespace);
    this.locks = new FileLocks(this.paths.locksDirectory);
    this.#limited = Number.isFinite(options.maxBytes) || Number.isFinite(options.maxEntries);
  }

  /** Entries and bytes in the LRU index, when limits are set and it was built. */
  get indexStats(): { entries: number; bytes: number } | undefined {
    if (!this.#limited || this.#indexReady === undefined) return undefined;
    return { entries: this.#index.size, bytes: this.#index.bytes };
  }

  /** Makes sure the root and namespace directories exist as real directories. */
  async ensureNamespace(): Promise<void> {
    if (this.#namespaceVerified) return;
    await mkdir(this.#root, { recursive: true, mode: DIRECTORY_MODE });
    const rootStats = await stat(this.#root);
    if (!rootStats.isDirectory()) {
      throw Object.assign(new Error(`${this.#root} is not a directory`), { code: 'ENOTDIR' });
    }
    await ensureDirectory(this.paths.namespaceDirectory);
    this.#namespaceVerified = true;
  }

  /**
   * Re-checks the directories and creates and removes a probe file in the
   * namespace directory, so a read-only, full or replaced directory shows.
   */
  async probe(): Promise<void> {
    this.#namespaceVerified = false;
    await this.ensureNamespace();
    const probe = join(this.paths.namespaceDirectory, tempName());
    await writeAtomically(this.paths.namespaceDirectory, probe, Buffer.alloc(0), false);
    await unlinkQuietly(probe);
  }

  /** Resolves when the sweep in progress, if any, has finished. */
  async settled(): Promise<void> {
    await this.#sweeping?.catch(() => undefined);
  }

  /** Makes sure the lock directory exists (and is not a symlink). */
  async ensureLocksDirectory(): Promise<void> {
    await this.#withDirectories(() => ensureDirectory(this.paths.locksDirectory));
  }

  /** Reads and verifies the live entry of `key`; `undefined` when missing, expired or corrupt. */
  async read(key: string): Promise<DecodedEntry | undefined> {
    const location = this.paths.entry(key);
    if (!(await this.#shardReadable(location))) return undefined;
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
    if (!(await this.#shardReadable(location))) return false;
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
    if (found.kind === 'file') {
      await unlinkQuietly(claimed);
      const decoded = decodeEntry(found.data, key);
      if (!('corrupt' in decoded)) return !isExpired(decoded.expiresAt, Date.now());
      this.counters.corruptEntries++;
      return false;
    }
    // A symlink (removed: only the link) or a directory (foreign: put back, never removed).
    this.counters.corruptEntries++;
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
      const names = (await listDirectory(shard))
        .filter((dirent) => isEntryName(dirent.name) && dirent.isFile())
        .map((dirent) => join(shard, dirent.name));
      const found = await mapLimit(names, SCAN_CONCURRENCY, async (file) => {
        const read = await readWholeFile(file, ENTRY_READ);
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
      const names = (await listDirectory(shard))
        .filter((dirent) => isEntryName(dirent.name) && !dirent.isDirectory())
        .map((dirent) => join(shard, dirent.name));
      await mapLimit(names, SCAN_CONCURRENCY, (file) => unlinkQuietly(file));
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
        discardCorrupt: (file, ino) => this.#discardCorrupt(file, ino),
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
    for (const file of this.#index.takeOverflow(maxBytes, maxEntries)) {
      this.#writtenDuringSweep?.delete(file);
      this.counters.evictions++;
      await unlinkQuietly(file);
    }
  }

  /** Runs `fn`; when a directory on the way went missing, recreates them and runs it again. */
  async #withDirectories<T>(fn: () => Promise<T>): Promise<T> {
    await this.ensureNamespace();
    try {
      return await fn();
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.#namespaceVerified = false;
      await this.ensureNamespace();
      return await fn();
    }
  }

  /**
   * True when the shard directory of `location` is a real directory. A
   * missing one means a miss; a symlink or file planted there is removed
   * (never followed) and counted as corrupt.
   */
  async #shardReadable(location: EntryLocation): Promise<boolean> {
    const state = inspectDirectory(location.shardDirectory);
    if (state === 'directory') return true;
    if (state === 'foreign') {
      this.counters.corruptEntries++;
      await unlinkQuietly(location.shardDirectory).catch(() => undefined);
    }
    return false;
  }

  /** Counts and removes a corrupt or foreign entry; failures to remove it are ignored. */
  async #discardCorrupt(file: string, ino: number | undefined): Promise<void> {
    this.counters.corruptEntries++;
    this.#index.remove(file);
    await unlinkIfSame(file, ino).catch(() => undefined);
  }

  /** The namespace directory's entries; none when it is missing or not a real directory. */
  async #namespaceEntries(): Promise<Dirent[]> {
    const state = inspectDirectory(this.paths.namespaceDirectory);
    if (state !== 'directory') {
      this.#namespaceVerified = false;
      return [];
    }
    return listDirectory(this.paths.namespaceDirectory);
  }

  async #shards(): Promise<string[]> {
    return (await this.#namespaceEntries())
      .filter((dirent) => isShardName(dirent.name) && dirent.isDirectory())
      .map((dirent) => join(this.paths.namespaceDirectory, dirent.name));
  }
}
