import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { BackendError } from '@cachestack/core';
import { BAD_TIMEOUTS_OPTIONS, rejection } from '@cachestack/test-support';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../src/index.js';
import { fixture, runFixture, tempDirPerTest } from './helpers.js';

function thrown(fn: () => unknown): BackendError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('expected a throw');
}

describe('error classification', () => {
  const dir = tempDirPerTest();

  it('a read-only database file → PERMANENT ACCESS_DENIED with a clear message', async () => {
    const path = dir.file('readonly.db');
    const setup = new SqliteBackend({ path });
    await setup.set('old', Buffer.from('kept'));
    await setup.close();
    chmodSync(path, 0o444);
    chmodSync(dir.path, 0o555);
    try {
      // root ignores file modes, so run the attempt as an unprivileged user then.
      const asRoot = process.getuid?.() === 0;
      const result = await runFixture(
        'readonly-open.mjs',
        [path],
        asRoot ? { uid: 65534, gid: 65534 } : {},
      );
      expect(result.stderr).toBe('');
      const outcome = JSON.parse(result.stdout) as Record<string, unknown>;
      const failure = outcome.open === 'ok' ? outcome.set : outcome.open;
      expect(failure).toMatchObject({ type: 'PERMANENT', code: 'ACCESS_DENIED' });
      expect(String((failure as { message?: unknown }).message)).toMatch(
        /read-only|cannot be opened/,
      );
      if (outcome.open === 'ok') expect(outcome.health).toMatchObject({ healthy: false });
    } finally {
      chmodSync(dir.path, 0o755);
      chmodSync(path, 0o644);
    }
  });

  it('a connection opened read-only → PERMANENT ACCESS_DENIED on writes, reads still work', async () => {
    const path = dir.file('ro.db');
    const setup = new SqliteBackend({ path });
    await setup.set('old', Buffer.from('kept'));
    await setup.close();
    const database = new BetterSqlite3(path, { readonly: true });
    const backend = new SqliteBackend({ database });
    try {
      expect(Buffer.from((await backend.get('old')) as Uint8Array).toString()).toBe('kept');
      const error = await rejection(backend.set('new', Buffer.from('x')));
      expect(error).toMatchObject({ type: 'PERMANENT', code: 'ACCESS_DENIED', operation: 'set' });
      expect(error.message).toMatch(/read-only/);
      expect(error.cause).toMatchObject({ code: 'SQLITE_READONLY' });
    } finally {
      await backend.close();
      database.close();
    }
  });

  it('a path below a regular file → PERMANENT ACCESS_DENIED at open', () => {
    writeFileSync(dir.file('plain'), 'not a directory');
    const error = thrown(() => new SqliteBackend({ path: dir.file('plain/sub/cache.db') }));
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'ACCESS_DENIED', operation: 'open' });
  });

  it('a directory that cannot be created (procfs) → PERMANENT INVALID_PATH promptly, naming it', () => {
    // Node's recursive mkdir loops forever on procfs: run it in a child, killed after 10 s.
    const run = spawnSync(process.execPath, [fixture('readonly-open.mjs'), '/proc/nope/x.db'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.signal).toBeNull();
    const result = JSON.parse(run.stdout) as { open: Record<string, string> };
    expect(result.open).toMatchObject({ type: 'PERMANENT', code: 'INVALID_PATH' });
    expect(result.open.message).toContain("'/proc/nope'");
  }, 15_000);

  it('a directory given as the path → PERMANENT INVALID_PATH saying it is a directory', () => {
    const error = thrown(() => new SqliteBackend({ path: dir.path }));
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'INVALID_PATH', operation: 'open' });
    expect(error.message).toContain(`the database path is a directory, '${dir.path}'`);
  });

  it('SQLITE_BUSY after the busy timeout → TRANSIENT, and the same instance recovers', async () => {
    const path = dir.file('busy.db');
    const backend = new SqliteBackend({ path, busyTimeoutMs: 50 });
    const other = new BetterSqlite3(path);
    try {
      await backend.set('k', Buffer.from('before'));
      other.exec('BEGIN EXCLUSIVE');
      const started = performance.now();
      const error = await rejection(backend.set('k', Buffer.from('during')));
      expect(performance.now() - started).toBeGreaterThanOrEqual(40);
      expect(error).toMatchObject({ type: 'TRANSIENT', code: 'UNAVAILABLE', key: 'k' });
      expect(error.isTransient).toBe(true);
      expect(error.cause).toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
      expect((await backend.healthCheck()).healthy).toBe(false);
      // WAL: readers are not blocked by the writer.
      expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('before');
      other.exec('COMMIT');
      await backend.set('k', Buffer.from('after'));
      expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('after');
      expect((await backend.healthCheck()).healthy).toBe(true);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await backend.close();
    }
  });

  it('withTimeout caps the busy wait: a write blocked by another connection → TIMEOUT', async () => {
    const path = dir.file('timeout.db');
    const backend = new SqliteBackend({ path, busyTimeoutMs: 5000 });
    const other = new BetterSqlite3(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      const error = await rejection(
        backend.withTimeout('set', 100, () => backend.set('k', Buffer.from('v'))),
      );
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ type: 'TIMEOUT', code: 'TIMEOUT', operation: 'set', key: 'k' });
      expect(elapsed).toBeGreaterThanOrEqual(90);
      expect(elapsed).toBeLessThan(2000);
      other.exec('ROLLBACK');
      // The busy timeout is back to its configured value outside the scope.
      expect(backend.database.pragma('busy_timeout', { simple: true })).toBe(5000);
      await backend.set('k', Buffer.from('v'));
      expect(await backend.exists('k')).toBe(true);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await backend.close();
    }
  });

  it('the timeouts option sets default limits: a write blocked past it → TIMEOUT', async () => {
    const path = dir.file('default-timeout.db');
    const backend = new SqliteBackend({ path, timeouts: { set: 80 } });
    const other = new BetterSqlite3(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      await expect(backend.set('k', Buffer.from('v'))).rejects.toMatchObject({
        type: 'TIMEOUT',
        operation: 'set',
      });
      // Reads have no limit and are not blocked by the writer (WAL).
      expect(await backend.get('k')).toBeUndefined();
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await backend.close();
    }
  });

  it('disk full (SQLITE_FULL) → PERMANENT NO_SPACE, the old value stays', async () => {
    const backend = new SqliteBackend({ path: dir.file('full.db') });
    try {
      await backend.set('k', Buffer.from('old'));
      const pages = backend.database.pragma('page_count', { simple: true }) as number;
      backend.database.pragma(`max_page_count = ${pages + 2}`);
      const error = await rejection(backend.set('k', Buffer.alloc(1024 * 1024, 1)));
      expect(error).toMatchObject({ type: 'PERMANENT', code: 'NO_SPACE', operation: 'set' });
      expect(error.message).toMatch(/full/);
      expect(Buffer.from((await backend.get('k')) as Uint8Array).toString()).toBe('old');
    } finally {
      await backend.close();
    }
  });

  it('a Database closed by its owner → PERMANENT CLOSED; close() leaves a passed Database open', async () => {
    const database = new BetterSqlite3(':memory:');
    const backend = new SqliteBackend({ database });
    await backend.set('k', Buffer.from('v'));
    await backend.close();
    expect(database.open).toBe(true);
    expect(database.prepare('SELECT count(*) FROM cachestack_entries').pluck().get()).toBe(1);

    const second = new SqliteBackend({ database });
    database.close();
    const error = await rejection(second.get('k'));
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'CLOSED', operation: 'get' });
    expect((await second.healthCheck()).healthy).toBe(false);
    await second.close();
  });

  it('after close(): PERMANENT CLOSED for every operation', async () => {
    const backend = new SqliteBackend({ path: ':memory:' });
    await backend.close();
    await backend.close();
    for (const attempt of [
      backend.get('k'),
      backend.set('k', Buffer.from('v')),
      backend.delete('k'),
      backend.exists('k'),
      backend.getTtl('k'),
      backend.refreshTtl('k', 10),
      backend.acquireLock('k', { ttlMs: 10 }),
      backend.getMany(['k']),
      backend.setMany([{ key: 'k', value: Buffer.from('v') }]),
      backend.deleteMany(['k']),
      backend.clear(),
      backend.keys()[Symbol.asyncIterator]().next(),
    ]) {
      expect(await rejection(attempt)).toMatchObject({ type: 'PERMANENT', code: 'CLOSED' });
    }
  });

  it('bad options fail in the constructor with a TypeError naming the option', () => {
    expect(() => new SqliteBackend({})).toThrow(/exactly one of the options "path" and "database"/);
    expect(() => new SqliteBackend({ path: ':memory:', maxEntries: 0 })).toThrow(/"maxEntries"/);
    expect(() => new SqliteBackend({ path: ':memory:', maxBytes: 1.5 })).toThrow(/"maxBytes"/);
    expect(() => new SqliteBackend({ path: ':memory:', namespace: '' })).toThrow(/"namespace"/);
    expect(
      () => new SqliteBackend({ path: ':memory:', synchronous: 'SOMETIMES' as 'FULL' }),
    ).toThrow(/"synchronous"/);
    expect(() => new SqliteBackend({ path: ':memory:', busyTimeoutMs: -1 })).toThrow(
      /"busyTimeoutMs"/,
    );
    expect(() => new SqliteBackend({ path: ':memory:', timeouts: { get: 0 } })).toThrow(
      /"timeouts.get"/,
    );
    expect(() => new SqliteBackend({ path: ':memory:', eviction: 'random' as 'lru' })).toThrow(
      TypeError,
    );
    expect(() => new SqliteBackend({ path: ':memory:', namepsace: 'a' } as never)).toThrow(
      new TypeError('SqliteBackend: unknown option "namepsace" (did you mean "namespace"?)'),
    );
  });

  it.each(BAD_TIMEOUTS_OPTIONS)(
    'the bad timeouts option %j is rejected with the shared message',
    (timeouts, message) => {
      const create = () => new SqliteBackend({ path: ':memory:', timeouts: timeouts as never });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`SqliteBackend: ${message}`);
    },
  );
});
