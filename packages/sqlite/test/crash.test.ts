import { setTimeout as sleep } from 'node:timers/promises';
import { killHard, spawnUntilLine } from '@cachestack/test-support';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../src/index.js';
import { fixture, tempDirPerTest, valueFor } from './helpers.js';

/** Starts the crash writer, waits for it to say "ready", then kills it with SIGKILL. */
async function killWriterMidWrites(
  path: string,
  synchronous: string,
): Promise<NodeJS.Signals | null> {
  const child = await spawnUntilLine(fixture('crash-writer.mjs'), [path, synchronous], 'ready');
  // Let it write a little more, then kill it in the middle of a write.
  await sleep(50);
  await killHard(child);
  return child.signalCode;
}

describe('kill -9 during writes', () => {
  const dir = tempDirPerTest();

  for (const synchronous of ['NORMAL', 'OFF']) {
    it(`the database opens, other keys are intact, batches are all-or-nothing (synchronous ${synchronous})`, async () => {
      const path = dir.file('crash.db');
      const before = new SqliteBackend({ path, namespace: 'stable' });
      for (let i = 0; i < 50; i++) await before.set(`stable-${i}`, valueFor(`stable-${i}`));
      await before.close();

      expect(await killWriterMidWrites(path, synchronous)).toBe('SIGKILL');

      const after = new SqliteBackend({ path, namespace: 'stable', openCheck: 'full' });
      const crashed = new SqliteBackend({ path, namespace: 'crash' });
      try {
        for (let i = 0; i < 50; i++) {
          const value = await after.get(`stable-${i}`);
          expect(Buffer.from(value as Uint8Array).equals(valueFor(`stable-${i}`))).toBe(true);
        }
        let written = 0;
        for (let i = 0; ; i++) {
          const key = `crash-${i}`;
          const value = await crashed.get(key);
          const twin = await crashed.get(`${key}-twin`);
          expect(twin === undefined, `${key} and its twin are written together`).toBe(
            value === undefined,
          );
          if (value === undefined) break;
          expect(Buffer.from(value).equals(valueFor(key)), key).toBe(true);
          written++;
        }
        // Everything committed before "ready" was printed survived the kill.
        expect(written).toBeGreaterThan(200);
        expect((await crashed.healthCheck()).details).toMatchObject({ entries: written * 2 });
      } finally {
        await after.close();
        await crashed.close();
      }
      const raw = new BetterSqlite3(path);
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();
    });
  }
});
