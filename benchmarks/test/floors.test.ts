import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FLOORS, sqliteFloor } from '../src/floors.mjs';

describe('floors', () => {
  it('measures SQLite against a plain key/value table with the backend pragmas, not our schema', async () => {
    const tmpDir = await mkdtemp(join(tmpdir(), 'cachestack-bench-floor-'));
    try {
      const floor = sqliteFloor({ tmpDir });
      await floor.open();
      await floor.fill(['a', 'b'], Buffer.from('value'));
      await floor.set('a', Buffer.from('new'));
      expect(Buffer.from(await floor.get('a')).toString()).toBe('new');
      expect(await floor.get('missing')).toBeUndefined();
      await floor.close();
      const db = new BetterSqlite3(join(tmpDir, 'floor.db'), { readonly: true });
      try {
        const tables = db
          .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
          .pluck()
          .all();
        expect(tables).toEqual(['kv']);
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        db.close();
      }
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
  });

  it('has raw ioredis sequential and 100 concurrent, each with and without auto-pipelining', () => {
    const ctx = { tmpDir: '/nonexistent', redisUrl: 'redis://127.0.0.1:1', redisPort: 1 };
    const redis = FLOORS.map((create) => create(ctx)).filter((floor) => floor.family === 'redis');
    expect(redis.map((floor) => [floor.concurrency, floor.autoPipelining])).toEqual([
      [1, false],
      [1, true],
      [100, false],
      [100, true],
    ]);
  });
});
