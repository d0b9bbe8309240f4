import { killHard, runNode, spawnUntilLine } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { FileBackend } from '../src/index.js';
import { fixture, isValidValue, makeTempDir, makeValue } from './helpers.js';

function parse(run: Awaited<ReturnType<typeof runNode>>): Record<string, number> {
  if (run.code !== 0) throw new Error(`child failed (${run.code} ${run.signal}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, number>;
}

describe('several processes on one directory', () => {
  it('readers never see a torn value while writers overwrite the same keys', async () => {
    const dir = await makeTempDir();
    const keyCount = 4;
    const durationMs = 1500;
    const runs = await Promise.all([
      runNode(fixture('mp-writer.mjs'), [dir, '1', String(keyCount), String(durationMs)]),
      runNode(fixture('mp-writer.mjs'), [dir, '2', String(keyCount), String(durationMs)]),
      runNode(fixture('mp-reader.mjs'), [dir, String(keyCount), String(durationMs)]),
      runNode(fixture('mp-reader.mjs'), [dir, String(keyCount), String(durationMs)]),
    ]);
    const [writerA, writerB, readerA, readerB] = runs.map(parse);
    expect(writerA?.writes).toBeGreaterThan(10);
    expect(writerB?.writes).toBeGreaterThan(10);
    for (const reader of [readerA, readerB]) {
      expect(reader?.hits).toBeGreaterThan(10);
      expect(reader?.torn).toBe(0);
      expect(reader?.corrupt).toBe(0);
    }
    // The final values are complete values written by one of the writers.
    const backend = new FileBackend({ directory: dir, namespace: 'mp' });
    for (let i = 0; i < keyCount; i++) {
      const value = await backend.get(`key-${i}`);
      expect(value).toBeDefined();
      expect(isValidValue(value as Uint8Array)).toBe(true);
    }
    await backend.close();
  });

  it('a write in one process is visible in another', async () => {
    const dir = await makeTempDir();
    const run = await runNode(fixture('mp-writer.mjs'), [dir, '7', '1', '1']);
    expect(parse(run).writes).toBeGreaterThanOrEqual(1);
    const backend = new FileBackend({ directory: dir, namespace: 'mp' });
    expect(Buffer.from((await backend.get('key-0')) as Uint8Array)).toEqual(makeValue(7, 0));
    await backend.close();
  });

  it('K processes × M locked increments give exactly K·M', async () => {
    const dir = await makeTempDir();
    const processes = 3;
    const increments = 15;
    const runs = await Promise.all(
      Array.from({ length: processes }, () =>
        runNode(fixture('lock-incrementer.mjs'), [dir, String(increments)]),
      ),
    );
    for (const run of runs) expect(parse(run)).toEqual({ done: increments, lostReleases: 0 });
    const backend = new FileBackend({ directory: dir, namespace: 'locks' });
    const count = await backend.get('count');
    expect(Buffer.from(count as Uint8Array).toString()).toBe(String(processes * increments));
    await backend.close();
  });

  it('a lock held by a process killed with SIGKILL frees itself after its TTL', async () => {
    const dir = await makeTempDir();
    const holder = await spawnUntilLine(fixture('lock-holder.mjs'), [dir, '2500'], 'locked');
    const lockedAt = Date.now();
    await killHard(holder);
    const backend = new FileBackend({ directory: dir, namespace: 'locks' });
    expect(await backend.acquireLock('job', { ttlMs: 1000 })).toBeUndefined();
    const taken = await backend.acquireLock('job', { ttlMs: 1000, waitMs: 10_000 });
    expect(taken).toBeDefined();
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(1500);
    expect(await taken?.release()).toBe(true);
    await backend.close();
  });

  it('of several contenders for one stale lock exactly one wins', async () => {
    const dir = await makeTempDir();
    const first = new FileBackend({ directory: dir, namespace: 'locks' });
    expect(await first.acquireLock('stale', { ttlMs: 50 })).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 80));
    const contenders = Array.from(
      { length: 8 },
      () => new FileBackend({ directory: dir, namespace: 'locks' }),
    );
    const results = await Promise.all(
      contenders.map((backend) => backend.acquireLock('stale', { ttlMs: 10_000 })),
    );
    expect(results.filter((lock) => lock !== undefined)).toHaveLength(1);
    for (const backend of [first, ...contenders]) await backend.close();
  });
});
