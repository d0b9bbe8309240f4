import { readdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { killHard, spawnUntilLine } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { FileBackend } from '../src/index.js';
import { fixture, isValidValue, listFiles, makeTempDir, makeValue } from './helpers.js';

const BASE_BYTES = 256 * 1024;

describe.each(['none', 'fsync'] as const)('kill -9 during writes (durability %s)', (durability) => {
  it('leaves every key with its old or a new complete value, and others intact', async () => {
    const dir = await makeTempDir();
    const setup = new FileBackend({ directory: dir, namespace: 'crash', sweepIntervalMs: 0 });
    for (let i = 0; i < 8; i++) await setup.set(`crash-${i}`, makeValue(0, i, BASE_BYTES));
    const bystanders = Array.from({ length: 5 }, (_, i) => makeValue(9, i, 100));
    for (const [i, value] of bystanders.entries()) await setup.set(`stable-${i}`, value);
    await setup.close();

    for (let round = 1; round <= 3; round++) {
      const child = await spawnUntilLine(
        fixture('crash-writer.mjs'),
        [dir, String(round), durability],
        'ready',
      );
      await sleep(20 + Math.random() * 60);
      await killHard(child);
    }

    const backend = new FileBackend({
      directory: dir,
      namespace: 'crash',
      sweepIntervalMs: 0,
      staleTempFileMs: 0,
    });
    for (let i = 0; i < 8; i++) {
      const value = await backend.get(`crash-${i}`);
      expect(value, `crash-${i} must keep a value`).toBeDefined();
      expect(isValidValue(value as Uint8Array, BASE_BYTES), `crash-${i} is torn`).toBe(true);
    }
    for (const [i, value] of bystanders.entries()) {
      expect(Buffer.from((await backend.get(`stable-${i}`)) as Uint8Array)).toEqual(value);
    }
    expect((await backend.healthCheck()).details.corruptEntries).toBe(0);

    // The sweep removes temp files the killed writers left behind.
    await backend.sweep();
    const leftovers = (await listFiles(dir)).filter((file) => file.includes('.tmp-'));
    expect(leftovers).toEqual([]);
    await backend.close();
  });
});

describe('stale temp files', () => {
  it('are kept while young and removed by the sweep once older than staleTempFileMs', async () => {
    const dir = await makeTempDir();
    const backend = new FileBackend({ directory: dir, sweepIntervalMs: 0, staleTempFileMs: 300 });
    await backend.set('k', Buffer.from('v'));
    const shard = (await listFiles(dir))[0]?.replace(/\/[0-9a-f]{64}$/, '') as string;
    await writeFile(`${shard}/.tmp-99999-deadbeefdeadbeef`, 'partial');
    await backend.sweep();
    expect(await readdir(shard)).toContain('.tmp-99999-deadbeefdeadbeef');
    await sleep(350);
    await backend.sweep();
    expect(await readdir(shard)).not.toContain('.tmp-99999-deadbeefdeadbeef');
    expect((await backend.healthCheck()).details.staleTempFilesRemoved).toBe(1);
    expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('v');
    await backend.close();
  });
});
