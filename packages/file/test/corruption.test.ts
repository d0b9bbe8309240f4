import { execFileSync } from 'node:child_process';
import { copyFile, lstat, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBackend, HEADER_BYTES } from '../src/index.js';
import { entryFile, makeTempDir } from './helpers.js';

const KEY = 'corrupt-me';
const VALUE = Buffer.from('a value long enough to damage in the middle', 'utf8');
const KEY_BYTES = Buffer.byteLength(KEY);

type Damage = (file: string) => Promise<void>;

async function flipByte(file: string, offset: number): Promise<void> {
  const data = await readFile(file);
  data[offset] = (data[offset] as number) ^ 0x40;
  await writeFile(file, data);
}

const damages: [string, Damage][] = [
  ['an empty file', (file) => truncate(file, 0)],
  ['a file shorter than the header', (file) => truncate(file, 10)],
  ['a file cut inside the key', (file) => truncate(file, HEADER_BYTES + 3)],
  ['a file cut inside the value', (file) => truncate(file, HEADER_BYTES + KEY_BYTES + 5)],
  ['a flipped value byte', (file) => flipByte(file, HEADER_BYTES + KEY_BYTES + 7)],
  ['a flipped key byte', (file) => flipByte(file, HEADER_BYTES + 2)],
  ['a flipped expiry byte', (file) => flipByte(file, 9)],
  ['a flipped checksum byte', (file) => flipByte(file, 25)],
  ['a wrong magic', (file) => flipByte(file, 0)],
  ['another format version', (file) => flipByte(file, 4)],
  [
    'trailing garbage',
    async (file) => writeFile(file, Buffer.concat([await readFile(file), Buffer.from('xx')])),
  ],
];

describe.each([
  ['a small value (one read)', VALUE],
  ['a 100 KiB value (read by its header size)', Buffer.alloc(100 * 1024, 0x5a)],
])('corrupt entry files holding %s', (_size, value) => {
  it.each(damages)('%s is a miss, is removed and is counted', async (_name, damage) => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.set(KEY, value);
    await backend.set('bystander', value);
    const file = entryFile(dir, KEY);
    await damage(file);

    expect(await backend.get(KEY)).toBeUndefined();
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await backend.healthCheck()).details.corruptEntries).toBe(1);
    expect(Buffer.from((await backend.get('bystander')) as Uint8Array)).toEqual(value);

    // The key works again after the damage.
    await backend.set(KEY, value);
    expect(Buffer.from((await backend.get(KEY)) as Uint8Array)).toEqual(value);
    await backend.close();
  });
});

describe('corrupt entry files', () => {
  it('is skipped by exists, getTtl, getMany and keys, and never throws', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    for (const key of ['a', 'b', 'c', 'd']) await backend.set(key, VALUE);
    await truncate(entryFile(dir, 'a'), 5);
    await flipByte(entryFile(dir, 'b'), HEADER_BYTES + 3);
    await writeFile(entryFile(dir, 'c'), 'not a cache entry');
    await truncate(entryFile(dir, 'd'), 0);
    expect(await backend.exists('a')).toBe(false);
    expect(await backend.getTtl('b')).toBeUndefined();
    expect(await backend.getMany(['c', 'missing'])).toEqual([undefined, undefined]);
    const keys: string[] = [];
    for await (const key of backend.keys()) keys.push(key);
    expect(keys).toEqual([]);
    expect((await backend.healthCheck()).details.corruptEntries).toBe(4);
    await backend.close();
  });

  it('an intact entry of another key copied into place is a miss (key check)', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.set('victim', Buffer.from('mine'));
    await backend.set('intruder', Buffer.from('theirs'));
    await copyFile(entryFile(dir, 'intruder'), entryFile(dir, 'victim'));
    expect(await backend.get('victim')).toBeUndefined();
    expect((await backend.healthCheck()).details.corruptEntries).toBe(1);
    expect(Buffer.from((await backend.get('intruder')) as Uint8Array).toString()).toBe('theirs');
    await backend.close();
  });

  it('the sweep removes entries with a damaged header and counts them', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.set('x', VALUE);
    await backend.set('y', VALUE);
    await flipByte(entryFile(dir, 'x'), 1);
    await backend.sweep();
    await expect(readFile(entryFile(dir, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await backend.healthCheck()).details.corruptEntries).toBe(1);
    expect(await backend.exists('y')).toBe(true);
    await backend.close();
  });

  it('delete of a corrupt entry resolves false and removes it', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    await backend.set('k', VALUE);
    await flipByte(entryFile(dir, 'k'), HEADER_BYTES + KEY_BYTES);
    expect(await backend.delete('k')).toBe(false);
    await expect(readFile(entryFile(dir, 'k'))).rejects.toMatchObject({ code: 'ENOENT' });
    await backend.close();
  });
});

/** Plants a FIFO at `path` with mkfifo(1) (coreutils). */
function plantFifo(path: string): void {
  try {
    execFileSync('mkfifo', ['-m', '600', path], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`this test needs mkfifo(1) (coreutils; apt-get install coreutils): ${error}`);
  }
}

/**
 * Plants a listening Unix socket at `path`; close the server after the test.
 * It is bound at a short path and renamed into place: a socket path longer
 * than 107 bytes would be cut short by bind(2).
 */
async function plantSocket(path: string): Promise<Server> {
  const short = join(await makeTempDir(), 's');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(short, resolve);
  });
  await rename(short, path);
  expect((await lstat(path)).isSocket()).toBe(true);
  return server;
}

async function gone(path: string): Promise<boolean> {
  return lstat(path).then(
    () => false,
    () => true,
  );
}

describe('non-regular files planted as entries', () => {
  it('a FIFO is a miss for get, exists, getTtl and delete: removed and counted, never blocking', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    const operations = [
      () => backend.get('k'),
      () => backend.exists('k'),
      () => backend.getTtl('k'),
      () => backend.refreshTtl('k', 1000),
      () => backend.delete('k'),
    ];
    const expected = [undefined, false, undefined, false, false];
    for (const [i, operation] of operations.entries()) {
      await backend.set('k', VALUE);
      await rm(entryFile(dir, 'k'));
      plantFifo(entryFile(dir, 'k'));
      expect(await operation()).toBe(expected[i]);
      expect(await gone(entryFile(dir, 'k'))).toBe(true);
    }
    expect((await backend.healthCheck()).details.corruptEntries).toBe(operations.length);
    await backend.close();
  }, 10_000);

  it('one FIFO or socket entry does not fail getMany, keys or the sweep', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0 });
    for (const key of ['fifo', 'socket', 'good']) await backend.set(key, VALUE);
    await rm(entryFile(dir, 'fifo'));
    plantFifo(entryFile(dir, 'fifo'));
    await rm(entryFile(dir, 'socket'));
    const server = await plantSocket(entryFile(dir, 'socket'));
    try {
      const values = await backend.getMany(['fifo', 'good', 'socket']);
      expect(values.map((value) => value && Buffer.from(value).toString())).toEqual([
        undefined,
        VALUE.toString(),
        undefined,
      ]);
      expect(await gone(entryFile(dir, 'fifo'))).toBe(true);
      expect(await gone(entryFile(dir, 'socket'))).toBe(true);
      plantFifo(entryFile(dir, 'fifo'));
      const keys: string[] = [];
      for await (const key of backend.keys()) keys.push(key);
      expect(keys).toEqual(['good']);
      plantFifo(entryFile(dir, 'socket'));
      await backend.sweep();
      expect(await gone(entryFile(dir, 'socket'))).toBe(true);
      expect(await backend.exists('good')).toBe(true);
      expect((await backend.healthCheck()).details.corruptEntries).toBe(4);
    } finally {
      server.close();
      await backend.close();
    }
  }, 10_000);
});
