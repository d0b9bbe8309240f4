import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isBackendError } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/index.js';
import { bytes, closedAfterEach, expectBackendError, makeTempDir } from './helpers.js';

const create = closedAfterEach();

describe('lifecycle', () => {
  it('close is idempotent and every later operation rejects with PERMANENT CLOSED', async () => {
    const cache = new MemoryBackend();
    await cache.set('k', bytes('v'));
    await cache.close();
    await cache.close();
    await cache[Symbol.asyncDispose]();
    const calls: [string, () => Promise<unknown>][] = [
      ['get', () => cache.get('k')],
      ['set', () => cache.set('k', bytes('v'))],
      ['delete', () => cache.delete('k')],
      ['exists', () => cache.exists('k')],
      ['getTtl', () => cache.getTtl('k')],
      ['refreshTtl', () => cache.refreshTtl('k', 1)],
      ['acquireLock', () => cache.acquireLock('k', { ttlMs: 1 })],
      ['getMany', () => cache.getMany(['k'])],
      ['setMany', () => cache.setMany([{ key: 'k', value: bytes('v') }])],
      ['deleteMany', () => cache.deleteMany(['k'])],
      ['clear', () => cache.clear()],
      ['keys', () => cache.keys()[Symbol.asyncIterator]().next()],
    ];
    for (const [operation, call] of calls) {
      const error = await expectBackendError(call(), 'CLOSED', 'PERMANENT');
      expect(error.operation).toBe(operation);
    }
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toMatch(/closed/);
  });

  it('healthCheck reports entries, bytes and limits', async () => {
    const cache = create();
    await cache.set('k', new Uint8Array(10));
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(true);
    expect(health.backendType).toBe('memory');
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(health.details).toMatchObject({ entries: 1, bytes: 10 + 2 + 64, maxEntries: 10_000 });
  });

  it('only BackendErrors escape', async () => {
    const cache = create();
    const attempts = [
      cache.getMany('k' as never),
      cache.setMany([{ key: 'k' } as never]),
      cache.acquireLock('k', undefined as never),
      cache.withTimeout('get', -1, () => 1),
      cache
        .keys(5 as never)
        [Symbol.asyncIterator]()
        .next(),
    ];
    for (const attempt of attempts) {
      const error = await attempt.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isBackendError(error), String(error)).toBe(true);
    }
  });

  it('timers never keep the process alive, even when the backend is not closed', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      const distUrl = new URL('../dist/index.js', import.meta.url).href;
      const script = `
        const { MemoryBackend } = await import(${JSON.stringify(distUrl)});
        const cache = await MemoryBackend.open({
          purgeIntervalMs: 10,
          snapshot: { path: ${JSON.stringify(join(dir, 'c.snapshot'))}, intervalMs: 10 },
        });
        await cache.set('k', new Uint8Array([1]), 3_600_000);
        await cache.acquireLock('lock', { ttlMs: 3_600_000 });
        console.log('done');
      `;
      const started = Date.now();
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 20_000 },
      );
      expect(stdout.trim()).toBe('done');
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await remove();
    }
  });
});
