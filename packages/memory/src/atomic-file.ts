import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { prepareFilePath } from '@cachestack/core';

/**
 * Replaces `path` atomically with the concatenated `chunks`: they are written
 * to a temp file in the same directory (mode 0600), fsynced, and renamed over
 * `path`; then the directory is fsynced (where the platform allows). Readers
 * see the old file or the new one, never a mix; on failure the temp file is
 * removed and `path` is untouched. Creates the directory when missing.
 * @throws the native file-system error.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const directory = dirname(path);
  prepareFilePath(path, { mode: 0o700, what: 'the snapshot path' });
  const temp = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await open(temp, 'wx', 0o600);
  let renamed = false;
  try {
    try {
      for (const chunk of chunks) {
        // write() may write less than asked; carry on until the chunk is out.
        for (let offset = 0; offset < chunk.byteLength; ) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          if (bytesWritten <= 0) {
            throw Object.assign(new Error(`write to ${temp} made no progress`), { code: 'EIO' });
          }
          offset += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename stands.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reads the whole file, or resolves `undefined` when it does not exist.
 * @throws the native file-system error for anything but a missing file.
 */
export async function readFileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw error;
  }
}
