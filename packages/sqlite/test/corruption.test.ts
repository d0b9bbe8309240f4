import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { BackendError } from '@cachestack/core';
import BetterSqlite3 from 'better-sqlite3';
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

/** 1,504 bytes for `key` in which no 32-byte run repeats (valueFor's bytes repeat every 256). */
function uniqueValue(key: string): Buffer {
  const blocks = Array.from({ length: 47 }, (_, i) =>
    createHash('sha256').update(`${key}:${i}`).digest(),
  );
  return Buffer.concat(blocks);
}

describe('damaged values (per-value CRC-32)', () => {
  const dir = tempDirPerTest();
  const keys = Array.from({ length: 60 }, (_, i) => `key-${i}`);
  const viaGet = keys.filter((_, i) => i % 6 === 0);
  const viaGetMany = keys.filter((_, i) => i % 6 === 3);

  /** Flips one byte inside the stored value of each of `damaged` in the closed file at `path`. */
  function damageValues(path: string, damaged: readonly string[]): void {
    const file = readFileSync(path);
    for (const key of damaged) {
      // 32 bytes of a value are unique; the first such run that sits in one page is
      // damaged, with any stale copies left in free space by page splits (never read).
      let found = 0;
      for (let from = 0; found === 0 && from < 1024; from += 128) {
        const run = uniqueValue(key).subarray(from, from + 32);
        for (let at = file.indexOf(run); at !== -1; at = file.indexOf(run, at + 1)) {
          file[at + 16] = (file[at + 16] as number) ^ 0x5a;
          found++;
        }
      }
      expect(found, key).toBeGreaterThan(0);
    }
    writeFileSync(path, file);
  }

  it('a value changed on disk is a miss, counted as corrupt and deleted; never the damaged bytes', async () => {
    const path = dir.file('values.db');
    const writer = new SqliteBackend({ path });
    for (const key of keys) await writer.set(key, uniqueValue(key));
    await writer.close();
    damageValues(path, [...viaGet, ...viaGetMany]);

    const backend = new SqliteBackend({ path, openCheck: 'full' });
    try {
      for (const key of keys.filter((key) => !viaGetMany.includes(key))) {
        const value = await backend.get(key);
        if (viaGet.includes(key)) expect(value, key).toBeUndefined();
        else expect(Buffer.from(value as Uint8Array).equals(uniqueValue(key)), key).toBe(true);
      }
      const values = await backend.getMany(keys);
      keys.forEach((key, i) => {
        if (viaGet.includes(key) || viaGetMany.includes(key))
          expect(values[i], key).toBeUndefined();
        else expect(Buffer.from(values[i] as Uint8Array).equals(uniqueValue(key)), key).toBe(true);
      });
      const damaged = viaGet.length + viaGetMany.length;
      const health = await backend.healthCheck();
      expect(health.details).toMatchObject({
        corruptEntries: damaged,
        entries: keys.length - damaged,
      });
      for (const key of viaGet) expect(await backend.exists(key)).toBe(false);
      // A damaged key takes a new value like any other.
      await backend.set(viaGet[0] as string, Buffer.from('fresh'));
      expect(await backend.get(viaGet[0] as string)).toEqual(Buffer.from('fresh'));
    } finally {
      await backend.close();
    }
  });

  it('20 random byte changes inside value pages: never a damaged value, only misses or CORRUPT', async () => {
    let seed = 20_261_203;
    const random = (below: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed % below;
    };
    const trialKeys = keys.slice(0, 40);
    let detected = 0;
    for (let trial = 0; trial < 20; trial++) {
      const path = dir.file(`trial-${trial}.db`);
      const writer = new SqliteBackend({ path });
      await writer.setMany(trialKeys.map((key) => ({ key, value: uniqueValue(key) })));
      await writer.close();
      const file = readFileSync(path);
      // Any byte of the page holding the start of a random value: cells, headers, free space.
      let at = -1;
      while (at === -1) {
        at = file.indexOf(uniqueValue(trialKeys[random(40)] as string).subarray(0, 32));
      }
      const offset = at - (at % 4096) + random(4096);
      file[offset] = (file[offset] as number) ^ (1 + random(255));
      writeFileSync(path, file);

      const backend = new SqliteBackend({ path });
      try {
        for (const key of trialKeys) {
          const value = await backend.get(key).catch((error: unknown) => {
            expect(error).toBeInstanceOf(BackendError);
            expect(error).toMatchObject({ type: 'PERMANENT', code: 'CORRUPT' });
            detected++;
            return undefined;
          });
          if (value !== undefined) {
            expect(Buffer.from(value).equals(uniqueValue(key)), `trial ${trial}, ${key}`).toBe(
              true,
            );
          }
        }
        const health = await backend.healthCheck();
        detected += Number(health.details.corruptEntries ?? 0);
      } finally {
        await backend.close();
      }
    }
    // Most of the file is values: most changes must have been caught, not ignored.
    expect(detected).toBeGreaterThanOrEqual(10);
  });

  it('a version-1 file is migrated at open: its rows (no checksum) still read, new writes get one', async () => {
    const path = dir.file('v1.db');
    const writer = new SqliteBackend({ path });
    await writer.set('old', Buffer.from('written by version 1'));
    await writer.close();
    const raw = new BetterSqlite3(path);
    raw.exec(`ALTER TABLE cachestack_entries DROP COLUMN checksum;
      UPDATE cachestack_meta SET value = '1' WHERE name = 'schema_version'`);
    raw.close();

    const backend = new SqliteBackend({ path });
    try {
      expect(await backend.get('old')).toEqual(Buffer.from('written by version 1'));
      await backend.set('new', Buffer.from('written by version 2'));
      const db = backend.database;
      const version = "SELECT value FROM cachestack_meta WHERE name = 'schema_version'";
      expect(db.prepare(version).pluck().get()).toBe('2');
      const checksum = db.prepare('SELECT checksum FROM cachestack_entries WHERE key = ?').pluck();
      expect(checksum.get('old')).toBeNull();
      expect(checksum.get('new')).toBe(crc32(Buffer.from('written by version 2')));
    } finally {
      await backend.close();
    }
  });
});
