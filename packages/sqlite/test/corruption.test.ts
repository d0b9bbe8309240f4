import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { BackendError } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../src/index.js';
import { tempDirPerTest, valueFor } from './helpers.js';

function openError(options: ConstructorParameters<typeof SqliteBackend>[0]): BackendError {
  try {
    new SqliteBackend(options);
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('expected the constructor to throw');
}

/** A database with enough entries to span many pages, checkpointed into the main file. */
async function populated(path: string): Promise<void> {
  const backend = new SqliteBackend({ path });
  for (let i = 0; i < 200; i++) await backend.set(`key-${i}`, valueFor(`key-${i}`));
  await backend.close();
}

describe('corrupt files', () => {
  const dir = tempDirPerTest();

  it('a garbage file → PERMANENT CORRUPT at open, and the file is left alone', () => {
    const path = dir.file('garbage.db');
    const garbage = Buffer.alloc(16 * 1024, 0x5a);
    writeFileSync(path, garbage);
    const error = openError({ path });
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'CORRUPT', operation: 'open' });
    expect(error.message).toMatch(/not a SQLite database/);
    expect(error.cause).toMatchObject({ code: 'SQLITE_NOTADB' });
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('a text file → PERMANENT CORRUPT at open', () => {
    const path = dir.file('notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    expect(openError({ path })).toMatchObject({ type: 'PERMANENT', code: 'CORRUPT' });
  });

  it('a valid header with damaged pages → CORRUPT at open with openCheck "quick"', async () => {
    const path = dir.file('damaged.db');
    await populated(path);
    const size = readFileSync(path).length;
    expect(size).toBeGreaterThan(64 * 1024);
    const fd = openSync(path, 'r+');
    // Overwrite pages 2.. (keep the 100-byte header and page 1's schema intact).
    writeSync(fd, Buffer.alloc(size - 8192, 0xa5), 0, size - 8192, 8192);
    closeSync(fd);
    const error = openError({ path, openCheck: 'quick' });
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'CORRUPT', operation: 'open' });
  });

  it('damage found later by a read → PERMANENT CORRUPT, never a silent miss', async () => {
    const path = dir.file('late.db');
    await populated(path);
    const size = readFileSync(path).length;
    const fd = openSync(path, 'r+');
    // Damage the second half of the file: value pages, not the tables' root pages.
    const half = Math.floor(size / 2 / 4096) * 4096;
    writeSync(fd, Buffer.alloc(size - half, 0xa5), 0, size - half, half);
    closeSync(fd);
    const backend = new SqliteBackend({ path, openCheck: 'schema' });
    try {
      const failures: BackendError[] = [];
      for (let i = 0; i < 200; i++) {
        await backend.get(`key-${i}`).catch((error: BackendError) => failures.push(error));
      }
      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) {
        expect(failure).toMatchObject({ type: 'PERMANENT', code: 'CORRUPT', operation: 'get' });
      }
    } finally {
      await backend.close();
    }
  });

  it('an empty file is a new, empty database', async () => {
    const path = dir.file('empty.db');
    writeFileSync(path, '');
    const backend = new SqliteBackend({ path, openCheck: 'full' });
    try {
      expect(await backend.get('k')).toBeUndefined();
      await backend.set('k', Buffer.from('v'));
      expect(await backend.exists('k')).toBe(true);
    } finally {
      await backend.close();
    }
  });
});
