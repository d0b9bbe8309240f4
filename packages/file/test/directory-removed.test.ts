import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BackendError } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { FileBackend } from '../src/index.js';
import { makeTempDir } from './helpers.js';

/** How long the cleanup job keeps removing the cache directory, in ms. */
const REMOVAL_MS = 2_000;

/**
 * A cleanup job in another process: `rm -rf <dir>` in a loop for `ms` ms.
 * Resolves how many times it ran once the process has exited.
 */
function removeRepeatedly(dir: string, ms: number): Promise<number> {
  const script = `
    end=$(( $(date +%s%N) + ${ms} * 1000000 )); n=0
    while [ "$(date +%s%N)" -lt "$end" ]; do rm -rf "$1"; n=$((n + 1)); done
    echo "$n"`;
  const child = spawn('sh', ['-c', script, 'sh', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`this test needs sh(1) and rm(1) (coreutils): ${error.message}`)),
    );
    child.once('exit', (code) => {
      if (code === 0) resolve(Number(output.trim()));
      else reject(new Error(`the removal loop exited with ${code}`));
    });
  });
}

describe('the cache directory removed while running (rm -rf by a cleanup job)', () => {
  it('no operation rejects with UNKNOWN or a non-BackendError; afterwards everything works', async () => {
    const cache = join(await makeTempDir(), 'cache');
    const backend = new FileBackend({ directory: cache, sweepIntervalMs: 0, maxEntries: 50 });
    const failures: unknown[] = [];
    let calls = 0;
    const removal = removeRepeatedly(cache, REMOVAL_MS);
    let running = true;
    const stop = (): void => {
      running = false;
    };
    removal.then(stop, stop);
    const value = Buffer.alloc(512, 1);
    const worker = async (id: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const key = `k${(id * 7 + i) % 40}`;
        const operations = [
          () => backend.set(key, value, 60_000),
          () => backend.get(key),
          () => backend.delete(key),
          () => backend.exists(key),
          () => backend.getTtl(key),
          () => backend.refreshTtl(key, 60_000),
          () =>
            backend.setMany([
              { key, value },
              { key: `${key}b`, value },
            ]),
          () => backend.getMany([key, `${key}b`]),
          async () => (await backend.acquireLock(key, { ttlMs: 1_000 }))?.release(),
          async () => {
            for await (const _ of backend.keys('k1')) {
              // only iterate
            }
          },
          () => backend.sweep(),
          () => backend.clear(),
        ];
        calls++;
        try {
          await (operations[i % operations.length] as () => Promise<unknown>)();
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    const removals = await removal;
    expect(removals).toBeGreaterThan(10);
    expect(calls).toBeGreaterThan(100);
    const unclassified = failures.filter(
      (error) => !(error instanceof BackendError) || error.type === 'UNKNOWN',
    );
    expect(unclassified.map(String)).toEqual([]);
    // Whatever remains is a classified TRANSIENT after the bounded retries.
    for (const error of failures) expect(error).toMatchObject({ type: 'TRANSIENT' });

    await backend.set('after', value);
    expect((await backend.healthCheck()).healthy).toBe(true);
    expect(await backend.get('after')).toEqual(value);
    expect(await backend.acquireLock('after', { ttlMs: 1_000 })).toBeDefined();
    await backend.close();
  }, 20_000);
});
