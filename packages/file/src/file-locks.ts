import { constants } from 'node:fs';
import { link, lstat, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createLockToken, systemErrorCode } from '@cachestack/core';
import { tempName } from './entry-paths.js';
import { directoryReplacedError, isMissing } from './fs-errors.js';
import {
  FILE_MODE,
  readWholeFile,
  unlinkIfSame,
  unlinkQuietly,
  writeAtomically,
} from './safe-fs.js';

const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * A guard file older than this (ms) was left by a process that died while
 * holding it, and is removed.
 */
export const GUARD_STALE_MS = 10_000;

/** The content of a lock file. */
interface LockRecord {
  token: string;
  /** Absolute expiry in epoch ms; 0 for an unreadable (corrupt or foreign) lock file. */
  expiresAt: number;
}

function encodeRecord(token: string, expiresAt: number): Buffer {
  return Buffer.from(`${token}\n${expiresAt}\n`, 'utf8');
}

function decodeRecord(data: Buffer): LockRecord {
  const [token = '', expiry = ''] = data.toString('utf8').split('\n');
  const expiresAt = Number(expiry);
  if (!/^[0-9a-f]{32,}$/.test(token) || !Number.isFinite(expiresAt)) {
    return { token: '', expiresAt: 0 };
  }
  return { token, expiresAt };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Cross-process locks as files in one directory, with expiry in wall-clock
 * epoch ms (one clock shared by every process on the machine).
 *
 * - Acquire: the record (token + expiry) is written to a temp file, then
 *   hard-linked to the lock path; `link` fails if the lock exists, so
 *   creation is atomic and nobody ever sees a half-written lock.
 * - Every change to an existing lock file (stale takeover, release, extend)
 *   happens while holding a per-lock guard file created with
 *   `O_CREAT | O_EXCL | O_NOFOLLOW`, after re-reading the lock under it. So
 *   two processes that both see a stale lock cannot both remove it and a
 *   release never removes a lock that was taken over meanwhile.
 * - A guard left by a crashed process is removed after {@link GUARD_STALE_MS}.
 *
 * Not fencing-safe: a holder paused past its TTL may still act after
 * another process took the lock over.
 */
export class FileLocks {
  readonly #directory: string;
  readonly #intact: () => boolean;

  /**
   * @param directory - the lock directory; the caller makes sure it exists.
   * @param intact - true when the lock directory (and every directory above
   *   it that a symlink could replace) is still a real directory. Checked
   *   before every read and write of a lock file: when false, the call acts
   *   as if the directory were gone (ENOENT), so nothing is followed.
   */
  constructor(directory: string, intact: () => boolean) {
    this.#directory = directory;
    this.#intact = intact;
  }

  /**
   * One attempt to take the lock at `path` for `ttlMs` ms. Resolves the new
   * token, or `undefined` when a live lock is held by someone else.
   */
  async tryAcquire(path: string, ttlMs: number): Promise<string | undefined> {
    const token = createLockToken();
    for (let attempt = 0; attempt < 4; attempt++) {
      if (await this.#create(path, encodeRecord(token, Date.now() + ttlMs))) return token;
      const seen = await this.#read(path);
      if (seen === undefined) continue;
      if (seen.expiresAt > Date.now()) return undefined;
      await this.#withGuard(path, async () => {
        const again = await this.#read(path);
        if (again !== undefined && again.token === seen.token && again.expiresAt <= Date.now()) {
          await unlinkQuietly(path);
        }
      });
    }
    return undefined;
  }

  /** Removes the lock if `token` holds it. Resolves whether it was held and live. */
  release(path: string, token: string): Promise<boolean> {
    return this.#ifDirectoryExists(() =>
      this.#withGuard(path, async () => {
        const current = await this.#read(path);
        if (current === undefined || current.token !== token) return false;
        await unlinkQuietly(path);
        return current.expiresAt > Date.now();
      }),
    );
  }

  /** Makes the lock expire `ttlMs` ms from now if `token` holds it and it is live. */
  extend(path: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#ifDirectoryExists(() =>
      this.#withGuard(path, async () => {
        const current = await this.#read(path);
        if (current === undefined || current.token !== token) return false;
        if (current.expiresAt <= Date.now()) return false;
        this.#assertIntact();
        await writeAtomically(
          this.#directory,
          path,
          encodeRecord(token, Date.now() + ttlMs),
          false,
        );
        return true;
      }),
    );
  }

  /**
   * Removes the lock at `path` if it has expired (for the sweep), under the
   * guard like a takeover. Resolves whether it was removed.
   */
  removeIfExpired(path: string): Promise<boolean> {
    return this.#ifDirectoryExists(async () => {
      const seen = await this.#read(path);
      if (seen === undefined || seen.expiresAt > Date.now()) return false;
      return this.#withGuard(path, async () => {
        const again = await this.#read(path);
        if (again === undefined || again.token !== seen.token || again.expiresAt > Date.now()) {
          return false;
        }
        await unlinkQuietly(path);
        return true;
      });
    });
  }

  /** Removes a guard file left by a crashed process (older than {@link GUARD_STALE_MS}). */
  async removeStaleGuard(guard: string): Promise<void> {
    if (!this.#intact()) return;
    try {
      const stats = await lstat(guard);
      if (Date.now() - stats.mtimeMs > GUARD_STALE_MS) await unlinkIfSame(guard, stats.ino);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** The lock record at `path`, or `undefined` when there is none. */
  async #read(path: string): Promise<LockRecord | undefined> {
    this.#assertIntact();
    const found = await readWholeFile(path, { maxBytes: 4096 });
    if (found.kind === 'missing') return undefined;
    if (found.kind === 'foreign') return { token: '', expiresAt: 0 };
    return decodeRecord(found.data);
  }

  /** Atomically creates the lock file with `content`; false if one exists. */
  async #create(path: string, content: Buffer): Promise<boolean> {
    const temp = join(this.#directory, tempName());
    this.#assertIntact();
    const handle = await open(temp, CREATE_FLAGS, FILE_MODE);
    try {
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      this.#assertIntact();
      await link(temp, path);
      return true;
    } catch (error) {
      if (systemErrorCode(error) === 'EEXIST') return false;
      throw error;
    } finally {
      await unlinkQuietly(temp).catch(() => undefined);
    }
  }

  /** Runs `body`; `false` when the lock directory is gone or replaced (so is the lock). */
  async #ifDirectoryExists(body: () => Promise<boolean>): Promise<boolean> {
    try {
      return await body();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Throws ENOENT unless the lock directory is still a real directory. */
  #assertIntact(): void {
    if (!this.#intact()) throw directoryReplacedError(this.#directory);
  }

  async #withGuard<T>(path: string, body: () => Promise<T>): Promise<T> {
    const guard = `${path}.guard`;
    for (let attempt = 0; ; attempt++) {
      this.#assertIntact();
      try {
        const handle = await open(guard, CREATE_FLAGS, FILE_MODE);
        await handle.close();
        break;
      } catch (error) {
        if (systemErrorCode(error) !== 'EEXIST') throw error;
      }
      await this.removeStaleGuard(guard);
      await sleep(1 + Math.floor(Math.random() * Math.min(20, 2 + attempt)));
    }
    try {
      return await body();
    } finally {
      await this.#removeGuard(guard);
    }
  }

  /** Removes our guard file, unless its directory was replaced meanwhile; never throws. */
  async #removeGuard(guard: string): Promise<void> {
    try {
      if (this.#intact()) await unlink(guard);
    } catch {
      // Gone with its directory, or left for removeStaleGuard.
    }
  }
}
