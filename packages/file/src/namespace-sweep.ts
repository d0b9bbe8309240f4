import type { Dirent, Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { HEADER_BYTES, isExpired, peekExpiry } from './entry-format.js';
import {
  type EntryPaths,
  isEntryName,
  isShardName,
  LOCKS_DIRECTORY,
  TEMP_PREFIX,
} from './entry-paths.js';
import type { FileLocks } from './file-locks.js';
import { isMissing } from './fs-errors.js';
import type { ScannedEntry } from './lru-index.js';
import { mapLimit } from './map-limit.js';
import { listDirectory, readFileStart, unlinkIfSame, unlinkQuietly } from './safe-fs.js';

/** Files opened at once by a sweep. */
const SWEEP_CONCURRENCY = 16;

/** Counters reported by `healthCheck().details`. */
export interface StoreCounters {
  /** Entries found empty, truncated, of another version, failing the checksum or foreign; removed. */
  corruptEntries: number;
  /** Entries removed by LRU eviction. */
  evictions: number;
  /** Expired entries removed (on read or by the sweep). */
  expiredRemoved: number;
  /** Temp files of crashed writers removed by the sweep. */
  staleTempFilesRemoved: number;
  /** Expired lock files removed by the sweep. */
  expiredLocksRemoved: number;
  /** Completed sweeps. */
  sweeps: number;
}

/** What {@link sweepNamespace} works on. */
export interface SweepTarget {
  paths: EntryPaths;
  locks: FileLocks;
  counters: StoreCounters;
  /** Age in ms after which a temp file is removed. */
  staleTempFileMs: number;
  /** The namespace directory's entries (none when it is not a real directory). */
  namespaceEntries(): Promise<Dirent[]>;
  /** The real shard directories. */
  shards(): Promise<string[]>;
  /**
   * True when the namespace directory and `directory` (one directly inside
   * it, or itself) are still real directories; a symlink planted in place of
   * either is removed and counted. Checked before every file is touched.
   */
  intact(directory: string): Promise<boolean>;
  /** Counts and removes a corrupt entry. */
  discardCorrupt(file: string, ino: number | undefined): Promise<void>;
  /** Counts (and logs) a corrupt or planted file at `path`, saying why. */
  countCorrupt(path: string, why: string): void;
  /** Drops a removed entry from the LRU index. */
  forget(file: string): void;
}

/**
 * One pass over a namespace: removes symlinks planted as shards or entries,
 * entries with a damaged header, expired entries, temp files older than
 * `staleTempFileMs`, expired lock files and stale lock guards. Reads only
 * the header of each entry. Resolves the live entries seen, for the LRU index.
 */
export async function sweepNamespace(target: SweepTarget): Promise<ScannedEntry[]> {
  const { paths } = target;
  const scanned: ScannedEntry[] = [];
  for (const dirent of await target.namespaceEntries()) {
    const planted = isShardName(dirent.name) || dirent.name === LOCKS_DIRECTORY;
    if (planted && dirent.isSymbolicLink() && (await target.intact(paths.namespaceDirectory))) {
      const path = join(paths.namespaceDirectory, dirent.name);
      target.countCorrupt(path, 'a symlink planted in the namespace directory was removed');
      await unlinkQuietly(path);
    }
  }
  for (const directory of [...(await target.shards()), paths.locksDirectory]) {
    if (!(await target.intact(directory))) continue;
    const dirents = await listDirectory(directory);
    await mapLimit(dirents, SWEEP_CONCURRENCY, async (dirent) => {
      if (!(await target.intact(directory))) return;
      const file = join(directory, dirent.name);
      if (dirent.name.startsWith(TEMP_PREFIX)) return sweepTemp(target, file);
      if (directory === paths.locksDirectory) return sweepLock(target, file);
      if (!isEntryName(dirent.name)) return;
      // A symlink, FIFO, socket or device: never opened. A directory is spared.
      const foreign = !dirent.isFile() && !dirent.isDirectory();
      const entry = await sweepEntry(target, file, foreign);
      if (entry !== undefined) scanned.push(entry);
    });
  }
  return scanned;
}

async function sweepTemp(target: SweepTarget, file: string): Promise<void> {
  let stats: Stats;
  try {
    stats = await lstat(file);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  if (stats.isDirectory() || Date.now() - stats.mtimeMs < target.staleTempFileMs) return;
  await unlinkIfSame(file, stats.ino);
  target.counters.staleTempFilesRemoved++;
}

async function sweepLock(target: SweepTarget, file: string): Promise<void> {
  if (file.endsWith('.lock.guard')) await target.locks.removeStaleGuard(file);
  else if (file.endsWith('.lock') && (await target.locks.removeIfExpired(file))) {
    target.counters.expiredLocksRemoved++;
  }
}

async function sweepEntry(
  target: SweepTarget,
  file: string,
  foreign: boolean,
): Promise<ScannedEntry | undefined> {
  if (foreign) {
    await target.discardCorrupt(file, undefined);
    return undefined;
  }
  const head = await readFileStart(file, HEADER_BYTES);
  if (head === undefined) return undefined;
  const expiresAt = peekExpiry(head.data);
  if (expiresAt === undefined) {
    await target.discardCorrupt(file, head.ino);
    return undefined;
  }
  if (isExpired(expiresAt, Date.now())) {
    target.counters.expiredRemoved++;
    target.forget(file);
    await unlinkIfSame(file, head.ino);
    return undefined;
  }
  return { path: file, bytes: head.size, mtimeMs: head.mtimeMs };
}
