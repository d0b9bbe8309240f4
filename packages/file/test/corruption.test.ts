import { copyFile, readFile, truncate, writeFile } from 'node:fs/promises';
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
