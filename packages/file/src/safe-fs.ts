import { constants, type Dirent, lstatSync } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { systemErrorCode } from '@cachestack/core';
import { tempName } from './entry-paths.js';
import { isMissing } from './fs-errors.js';

/** Read-only, never through a symlink, never blocking on a planted FIFO. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** A new file that must not exist yet, never through a symlink. */
const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Mode of every file this package creates. */
export const FILE_MODE = 0o600;
/** Mode of every directory this package creates. */
export const DIRECTORY_MODE = 0o700;

/** Options for {@link readWholeFile}. */
export interface ReadOptions {
  /** Larger files are reported as `foreign` without reading them, in bytes. */
  maxBytes: number;
  /**
   * Called with the first {@link FIRST_READ_BYTES} of a bigger file: the
   * whole file's size as its header states it, or `undefined` if unknown.
   * With a size, the rest is read without an fstat.
   */
  sizeFromHead?: ((head: Buffer) => number | undefined) | undefined;
  /**
   * Called with the data while the file is still open; return true to get
   * its inode (to remove exactly this file later).
   * @default always true
   */
  needsIdentity?: ((data: Buffer) => boolean) | undefined;
}

/** What {@link readWholeFile} found. */
export type ReadResult =
  /** `ino` is set when `needsIdentity` asked for it. */
  | { kind: 'file'; data: Buffer; ino: number | undefined }
  | { kind: 'missing' }
  /** A symlink, directory, FIFO, device, or a file larger than allowed. */
  | { kind: 'foreign'; ino?: number };

/**
 * What a positional read of something other than a regular file fails with:
 * a directory (EISDIR), a FIFO or socket (ESPIPE: no positional reads; EAGAIN),
 * some devices (EINVAL).
 */
const NOT_READABLE = new Set(['EISDIR', 'ESPIPE', 'EAGAIN', 'EINVAL']);

/**
 * True for what opening a path that is no regular file fails with: a
 * symlink refused by `O_NOFOLLOW` (ELOOP), a socket (ENXIO).
 */
function isNotOpenable(error: unknown): boolean {
  const code = systemErrorCode(error);
  return code === 'ELOOP' || code === 'ENXIO';
}

/** Size of the first read, in bytes: files up to this size take one read and no fstat. */
export const FIRST_READ_BYTES = 16 * 1024;

const scratchBuffers: Buffer[] = [];
const MAX_SCRATCH_BUFFERS = 16;

/**
 * Reads a whole file, never following a symlink in the last path component
 * (the caller must have checked the directories above it). A file of up to
 * {@link FIRST_READ_BYTES} takes one open, one read into a reused scratch
 * buffer and one close, like `fs.readFile` minus its fstat; a bigger one
 * takes a second read into a buffer of the size its header states (or an
 * fstat first, when `sizeFromHead` cannot tell). A regular file read returns
 * fewer bytes than asked only at its end, which is how the end is detected.
 */
export async function readWholeFile(path: string, options: ReadOptions): Promise<ReadResult> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    if (isMissing(error)) return { kind: 'missing' };
    if (isNotOpenable(error)) return { kind: 'foreign' };
    throw error;
  }
  try {
    const data = await readOpenFile(handle, options);
    if (data === undefined) return { kind: 'foreign', ino: (await handle.stat()).ino };
    const needsIdentity = options.needsIdentity?.(data) ?? true;
    const ino = needsIdentity ? (await handle.stat()).ino : undefined;
    return { kind: 'file', data, ino };
  } finally {
    await handle.close();
  }
}

/** The whole content, or `undefined` when it is not a regular file of at most `maxBytes`. */
async function readOpenFile(handle: FileHandle, options: ReadOptions): Promise<Buffer | undefined> {
  const scratch = scratchBuffers.pop() ?? Buffer.allocUnsafeSlow(FIRST_READ_BYTES);
  try {
    let firstRead: number;
    try {
      ({ bytesRead: firstRead } = await handle.read(scratch, 0, FIRST_READ_BYTES, 0));
    } catch (error) {
      if (NOT_READABLE.has(systemErrorCode(error) ?? '')) return undefined;
      throw error;
    }
    if (firstRead < FIRST_READ_BYTES) return Buffer.from(scratch.subarray(0, firstRead));
    let size = options.sizeFromHead?.(scratch);
    if (size === undefined || size < firstRead) {
      const stats = await handle.stat();
      if (!stats.isFile()) return undefined;
      size = stats.size;
    }
    if (size > options.maxBytes) return undefined;
    // One byte more than expected: receiving it means the file is longer.
    const data = Buffer.allocUnsafe(size + 1);
    scratch.copy(data, 0, 0, firstRead);
    let offset = firstRead;
    while (offset < data.length) {
      const { bytesRead } = await handle.read(data, offset, data.length - offset, offset);
      offset += bytesRead;
      if (bytesRead === 0 || offset === size) break;
    }
    return data.subarray(0, offset);
  } finally {
    if (scratchBuffers.length < MAX_SCRATCH_BUFFERS) scratchBuffers.push(scratch);
  }
}

/**
 * Reads at most `length` bytes from the start of a regular file (never
 * through a symlink). `undefined` when it is missing or not a regular file.
 */
export async function readFileStart(
  path: string,
  length: number,
): Promise<{ data: Buffer; size: number; ino: number; mtimeMs: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    if (isMissing(error) || isNotOpenable(error)) return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    const data = Buffer.alloc(Math.min(length, stats.size));
    const { bytesRead } = await handle.read(data, 0, data.length, 0);
    return {
      data: data.subarray(0, bytesRead),
      size: stats.size,
      ino: stats.ino,
      mtimeMs: stats.mtimeMs,
    };
  } finally {
    await handle.close();
  }
}

/** What is at a directory path, looked at without following a symlink. */
export type DirectoryState = 'directory' | 'missing' | 'foreign';

/**
 * Looks at `path` with `lstat`: a symlink to a directory is `foreign`.
 * Synchronous on purpose: it runs before every read and write, the lookup is
 * served from the kernel's dentry cache in about a microsecond, and a
 * thread-pool round trip would cost far more than the call itself.
 */
export function inspectDirectory(path: string): DirectoryState {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return 'missing';
  return stats.isDirectory() ? 'directory' : 'foreign';
}

/**
 * Makes `path` a real directory (mode 0700). A symlink or file planted in
 * its place is removed (never followed). The parent must already be a
 * verified directory; when it is missing this rejects with ENOENT.
 */
export async function ensureDirectory(path: string): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const state = inspectDirectory(path);
    if (state === 'directory') return;
    if (state === 'foreign') await unlinkQuietly(path);
    try {
      await mkdir(path, { mode: DIRECTORY_MODE });
      return;
    } catch (error) {
      if (systemErrorCode(error) !== 'EEXIST') throw error;
    }
  }
  // Something keeps replacing the directory: report it as classified EEXIST.
  throw Object.assign(new Error(`${path} keeps being replaced by a non-directory`), {
    code: 'EEXIST',
  });
}

/** Unlinks `path` (a symlink itself, never its target); a missing file is fine. */
export async function unlinkQuietly(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Unlinks `path` only if it is still the file with inode `ino` (so a fresh
 * entry written meanwhile by another process is not removed).
 */
export async function unlinkIfSame(path: string, ino: number | undefined): Promise<void> {
  try {
    if (ino !== undefined && (await lstat(path)).ino !== ino) return;
    await unlink(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

/**
 * Writes `data` to a new temp file (mode 0600, `O_EXCL | O_NOFOLLOW`) in
 * `directory`, optionally fsyncs it, and renames it over `target`, so
 * readers see the old file or the new one, never a partial one. The temp
 * file is removed on failure. With `fsync`, the directory is synced too.
 */
export async function writeAtomically(
  directory: string,
  target: string,
  data: Uint8Array,
  fsync: boolean,
): Promise<void> {
  const temp = join(directory, tempName());
  const handle = await open(temp, CREATE_FLAGS, FILE_MODE);
  try {
    try {
      let written = 0;
      while (written < data.byteLength) {
        const { bytesWritten } = await handle.write(
          data,
          written,
          data.byteLength - written,
          written,
        );
        if (bytesWritten === 0) throw new Error('write made no progress');
        written += bytesWritten;
      }
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlinkQuietly(temp).catch(() => undefined);
    throw error;
  }
  if (fsync) await syncDirectory(directory);
}

/** Flushes a directory's entries (after a rename) to disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Lists a directory; a missing directory is empty. */
export async function listDirectory(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
