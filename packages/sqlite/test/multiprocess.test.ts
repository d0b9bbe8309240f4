import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../src/index.js';
import { fixture, runFixture, tempDirPerTest, valueFor } from './helpers.js';

describe('several processes on one file', () => {
  const dir = tempDirPerTest();

  it('concurrent writers and readers: no errors, no wrong reads, every value intact and visible', async () => {
    const path = dir.file('shared.db');
    const workers = 4;
    const count = 150;
    const results = await Promise.all(
      Array.from({ length: workers }, (_, id) =>
        runFixture('writer.mjs', [path, String(id), String(count), String(workers)]),
      ),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code, result.stdout).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ wrong: 0 });
    }

    const backend = new SqliteBackend({ path, namespace: 'multiprocess' });
    try {
      for (let id = 0; id < workers; id++) {
        for (let i = 0; i < count; i++) {
          const key = `w${id}-${i}`;
          const value = await backend.get(key);
          expect(value, key).toBeDefined();
          expect(Buffer.from(value as Uint8Array).equals(valueFor(key)), key).toBe(true);
        }
      }
      const shared = Buffer.from((await backend.get('shared')) as Uint8Array).toString('latin1');
      expect(shared).toMatch(/^shared-[0-3]-\d+\|/);
      const keys: string[] = [];
      for await (const key of backend.keys('w')) keys.push(key);
      expect(keys).toHaveLength(workers * count);
    } finally {
      await backend.close();
    }
  });

  it('lock exclusivity: K processes × M locked increments = exactly K·M', async () => {
    const path = dir.file('locks.db');
    const processes = 4;
    const increments = 25;
    const results = await Promise.all(
      Array.from({ length: processes }, () =>
        runFixture('lock-counter.mjs', [path, String(increments)]),
      ),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const backend = new SqliteBackend({ path, namespace: 'locks' });
    try {
      const counter = await backend.get('counter');
      expect(Buffer.from(counter as Uint8Array).toString()).toBe(String(processes * increments));
    } finally {
      await backend.close();
    }
  });

  it('a lock held by a process killed with SIGKILL frees itself after its TTL', async () => {
    const path = dir.file('stale.db');
    const child = spawn(process.execPath, [fixture('hold-lock.mjs'), path, '3000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const said = await new Promise<string>((resolve) =>
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
    );
    expect(said).toBe('held');
    child.kill('SIGKILL');
    await exited;

    const other = new SqliteBackend({ path, namespace: 'locks' });
    try {
      expect(await other.acquireLock('job', { ttlMs: 1000 })).toBeUndefined();
      const lock = await other.acquireLock('job', { ttlMs: 1000, waitMs: 10_000 });
      expect(lock).toBeDefined();
      expect(lock?.fencingToken).toBe(2);
      expect(await lock?.release()).toBe(true);
    } finally {
      await other.close();
    }
  });
});
