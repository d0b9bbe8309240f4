import { rejection } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { backendsPerTest } from './helpers.js';

/** A Uint8Array whose ArrayBuffer has been transferred away (detached). */
function detachedView(): Uint8Array {
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

/** Every row of the file, to prove a rejected call changed nothing. */
function rows(database: import('better-sqlite3').Database): unknown[] {
  return database
    .prepare('SELECT namespace, key, hex(value), expires_at FROM cachestack_entries ORDER BY key')
    .raw()
    .all();
}

describe('invalid inputs are rejected before anything changes', () => {
  const { open } = backendsPerTest();

  it('set with a view over a detached ArrayBuffer → PERMANENT INVALID_VALUE; the old value stays', async () => {
    const backend = open();
    await backend.set('k', Buffer.from('old'));
    const error = await rejection(backend.set('k', detachedView()));
    expect(error).toMatchObject({ type: 'PERMANENT', code: 'INVALID_VALUE', operation: 'set' });
    expect(error.message).toMatch(/detached/);
    expect(await backend.get('k')).toEqual(Buffer.from('old'));
  });

  it('setMany with one bad entry after good ones → rejected, and no entry of the batch is written', async () => {
    const backend = open();
    await backend.set('a', Buffer.from('old-a'));
    const before = rows(backend.database);
    const good = [
      { key: 'a', value: Buffer.from('new-a') },
      { key: 'b', value: Buffer.from('new-b'), ttlMs: 60_000 },
    ];
    const bad = [
      { key: 'c', value: detachedView() },
      { key: 'c', value: Buffer.from('c'), ttlMs: Number.NaN },
      { key: '\uD800', value: Buffer.from('c') },
      { key: 'c', value: 'not bytes' as unknown as Uint8Array },
    ];
    for (const entry of bad) {
      const error = await rejection(backend.setMany([...good, entry]));
      expect(error).toMatchObject({ type: 'PERMANENT', operation: 'setMany' });
      expect(error.code).toMatch(/^INVALID_/);
      expect(rows(backend.database)).toEqual(before);
    }
  });

  it('keys(prefix) with a lone surrogate or a non-string → INVALID_ARGUMENT (core rule)', async () => {
    const backend = open();
    await backend.set('k', Buffer.from('v'));
    for (const prefix of ['\uD800', 'k\uDC00', 5 as unknown as string]) {
      const error = await rejection(backend.keys(prefix)[Symbol.asyncIterator]().next());
      expect(error).toMatchObject({
        type: 'PERMANENT',
        code: 'INVALID_ARGUMENT',
        operation: 'keys',
      });
    }
    const error = await rejection(backend.keys('\uD800')[Symbol.asyncIterator]().next());
    expect(error.message).toMatch(/not well-formed Unicode/);
  });
});
