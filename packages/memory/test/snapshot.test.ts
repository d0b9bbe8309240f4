import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BackendError } from '@cachestack/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createMemoryBackend,
  decodeSnapshot,
  MemoryBackend,
  type MemoryBackendOptions,
  SNAPSHOT_MAGIC,
} from '../src/index.js';
import { bytes, expectBackendError, makeTempDir, sleep, text } from './helpers.js';

let dir: string;
let removeDir: () => Promise<void>;
let warnings: BackendError[];
const open: MemoryBackend[] = [];

beforeEach(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  warnings = [];
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close().catch(() => undefined)));
  await removeDir();
});

async function openAt(path: string, options: MemoryBackendOptions = {}): Promise<MemoryBackend> {
  const backend = await MemoryBackend.open({
    ...options,
    snapshot: { path, onWarning: (warning) => warnings.push(warning), ...options.snapshot },
  });
  open.push(backend);
  return backend;
}

async function writeValidSnapshot(path: string): Promise<void> {
  const backend = await openAt(path);
  await backend.set('a', bytes('alpha'));
  await backend.set('b', bytes('beta'), 60_000);
  await backend.close();
}

describe('snapshot', () => {
  it('round-trips entries, values and TTLs across a restart', async () => {
    const path = join(dir, 'cache.snapshot');
    const first = await openAt(path);
    await first.set('forever', bytes('f'));
    await first.set('minute', bytes('m'), 60_000);
    await first.set('empty', new Uint8Array(0));
    await first.set(
      'binary',
      Uint8Array.from({ length: 256 }, (_, i) => i),
    );
    await first.set('emoji 🔑/../:x', bytes('e'));
    await first.close();
    await sleep(50);

    const second = await createMemoryBackend({
      snapshot: { path, onWarning: (warning) => warnings.push(warning) },
    });
    open.push(second);
    expect(text(await second.get('forever'))).toBe('f');
    expect(await second.getTtl('forever')).toBe(Number.POSITIVE_INFINITY);
    expect(text(await second.get('minute'))).toBe('m');
    const ttl = await second.getTtl('minute');
    expect(ttl).toBeGreaterThan(30_000);
    expect(ttl).toBeLessThanOrEqual(60_000 - 50);
    expect((await second.get('empty'))?.byteLength).toBe(0);
    expect([...((await second.get('binary')) ?? [])]).toEqual([...Array(256).keys()]);
    expect(text(await second.get('emoji 🔑/../:x'))).toBe('e');
    expect(warnings).toEqual([]);
  });

  it('drops entries that expired while the process was down (wall clock)', async () => {
    const path = join(dir, 'cache.snapshot');
    const first = await openAt(path);
    await first.set('short', bytes('s'), 40);
    await first.set('long', bytes('l'), 60_000);
    await first.close();
    expect(decodeSnapshot(await readFile(path)).map((entry) => entry.key)).toContain('short');
    await sleep(80);
    const second = await openAt(path);
    expect(await second.exists('short')).toBe(false);
    expect(await second.exists('long')).toBe(true);
    expect((await second.healthCheck()).details.entries).toBe(1);
  });

  it('keeps recency order across a restart', async () => {
    const path = join(dir, 'cache.snapshot');
    const first = await openAt(path, { maxEntries: 3 });
    await first.set('a', bytes('1'));
    await first.set('b', bytes('2'));
    await first.set('c', bytes('3'));
    await first.get('a');
    await first.close();
    const second = await openAt(path, { maxEntries: 3 });
    await second.set('d', bytes('4'));
    expect(await second.exists('b')).toBe(false);
    expect(await second.exists('a')).toBe(true);
  });

  it('starts empty without a warning when the file does not exist', async () => {
    const backend = await openAt(join(dir, 'missing', 'cache.snapshot'));
    expect((await backend.healthCheck()).details.entries).toBe(0);
    expect(warnings).toEqual([]);
    await backend.set('k', bytes('v'));
    await backend.close();
    expect(await readdir(join(dir, 'missing'))).toEqual(['cache.snapshot']);
  });

  const damages: [string, (file: Buffer) => Buffer, RegExp][] = [
    ['a foreign file', () => Buffer.from('{"not":"a snapshot"}'), /wrong magic/],
    ['an empty file', () => Buffer.alloc(0), /wrong magic/],
    ['a file truncated in the header', (file) => file.subarray(0, 12), /truncated/],
    ['a file truncated in the entries', (file) => file.subarray(0, file.length - 10), /checksum/],
    [
      'a file with a flipped byte',
      (file) => {
        const copy = Buffer.from(file);
        copy[30] = (copy[30] ?? 0) ^ 0xff;
        return copy;
      },
      /checksum/,
    ],
    [
      'a file of another format version',
      (file) => {
        const copy = Buffer.from(file);
        copy.writeUInt16BE(99, 8);
        return copy;
      },
      /unsupported snapshot version 99/,
    ],
  ];
  it.each(damages)(
    '%s gives an empty cache and a CORRUPT warning',
    async (_name, damage, reason) => {
      const path = join(dir, 'cache.snapshot');
      await writeValidSnapshot(path);
      await writeFile(path, damage(await readFile(path)));
      const backend = await openAt(path);
      expect((await backend.healthCheck()).details.entries).toBe(0);
      expect(await backend.get('a')).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.code).toBe('CORRUPT');
      expect(warnings[0]?.operation).toBe('open');
      expect(warnings[0]?.message).toMatch(reason);
      expect(warnings[0]?.message).toContain(path);
      // The cache works and the next save replaces the bad file with a good one.
      await backend.set('fresh', bytes('v'));
      await backend.close();
      const saved = decodeSnapshot(await readFile(path));
      expect(saved.map((entry) => entry.key)).toEqual(['fresh']);
    },
  );

  it('reports to process.emitWarning by default', async () => {
    const path = join(dir, 'cache.snapshot');
    await writeFile(path, 'garbage');
    const emitted: Error[] = [];
    const listener = (warning: Error): void => {
      emitted.push(warning);
    };
    process.on('warning', listener);
    try {
      const backend = await MemoryBackend.open({ snapshot: { path } });
      open.push(backend);
      await sleep(10);
    } finally {
      process.off('warning', listener);
    }
    expect(emitted.some((warning) => /wrong magic/.test(warning.message))).toBe(true);
  });

  it('saves atomically: only the snapshot file is left, in the documented format', async () => {
    const path = join(dir, 'cache.snapshot');
    const backend = await openAt(path);
    for (let i = 0; i < 2_000; i++)
      await backend.set(`key-${i}`, new Uint8Array(100).fill(i % 256));
    await backend.close();
    expect(await readdir(dir)).toEqual(['cache.snapshot']);
    const file = await readFile(path);
    expect(file.subarray(0, 8).equals(SNAPSHOT_MAGIC)).toBe(true);
    expect(file.readUInt16BE(8)).toBe(1);
    expect(file.readUInt32BE(12)).toBe(2_000);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const entries = decodeSnapshot(file);
    expect(entries).toHaveLength(2_000);
    expect(entries[0]?.key).toBe('key-0');
    expect(entries[1_999]?.value[0]).toBe(1_999 % 256);
  });

  it('saves every intervalMs while open, and skips saves when nothing changed', async () => {
    const path = join(dir, 'cache.snapshot');
    const backend = await openAt(path, { snapshot: { path, intervalMs: 20 } });
    await backend.set('k', bytes('v'), 60_000);
    const deadline = Date.now() + 5_000;
    let saved: string[] = [];
    while (Date.now() < deadline) {
      saved = await readFile(path)
        .then((file) => decodeSnapshot(file).map((entry) => entry.key))
        .catch(() => []);
      if (saved.length > 0) break;
      await sleep(20);
    }
    expect(saved).toEqual(['k']);
    await sleep(60); // let any save that was already running finish
    const before = await stat(path);
    await sleep(150);
    const after = await stat(path);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(dir)).toEqual(['cache.snapshot']);
    expect(warnings).toEqual([]);
  });

  it('reports failed interval saves as warnings and rejects close with a classified error', async () => {
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, 'x');
    const path = join(blocker, 'cache.snapshot');
    const backend = await openAt(path, { snapshot: { path, intervalMs: 10 } });
    await backend.set('k', bytes('v'));
    const deadline = Date.now() + 5_000;
    while (!warnings.some((w) => w.operation === 'snapshot') && Date.now() < deadline) {
      await sleep(10);
    }
    const saveWarning = warnings.find((w) => w.operation === 'snapshot');
    expect(saveWarning?.type).toBe('PERMANENT');
    const error = await expectBackendError(
      backend.close(),
      saveWarning?.code ?? 'none',
      'PERMANENT',
    );
    expect(error.operation).toBe('close');
    // Closed all the same.
    await expectBackendError(backend.get('k'), 'CLOSED', 'PERMANENT');
    await backend.close();
  });

  it('survives a real process restart', async () => {
    const path = join(dir, 'cache.snapshot');
    const distUrl = new URL('../dist/index.js', import.meta.url).href;
    const script = `
      const { MemoryBackend } = await import(${JSON.stringify(distUrl)});
      const cache = await MemoryBackend.open({ snapshot: { path: ${JSON.stringify(path)} } });
      await cache.set('from-child', new TextEncoder().encode('hello'), 120000);
      await cache.set('forever', new Uint8Array([1, 2, 3]));
      await cache.close();
    `;
    const run = promisify(execFile);
    await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    const backend = await openAt(path);
    expect(text(await backend.get('from-child'))).toBe('hello');
    expect(await backend.getTtl('from-child')).toBeLessThanOrEqual(120_000);
    expect(await backend.getTtl('from-child')).toBeGreaterThan(60_000);
    expect([...((await backend.get('forever')) ?? [])]).toEqual([1, 2, 3]);
  });
});
