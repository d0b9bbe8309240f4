import { tracingChannel } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { type Logger, TRACING_CHANNEL_NAMES } from '@cachestack/core';
import { memoryLogger, recordTraces, settled, throwingLogger } from '@cachestack/test-support';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SCHEMA_SQL } from '../src/index.js';
import { backendsPerTest } from './helpers.js';

const SECRET = 'VALUE-BYTES-never-traced';
const value = (): Buffer => Buffer.from(SECRET);

/** A real subscriber on cachestack:backend for this test, keeping the sqlite backends' events. */
const record = () =>
  recordTraces(TRACING_CHANNEL_NAMES.backend, {
    filter: (context) => context.backendType === 'sqlite',
    stopWith: onTestFinished,
  });

describe('SqliteBackend tracing on cachestack:backend', () => {
  const { open } = backendsPerTest();

  it('traces every operation once with its outcome, and never a value', async () => {
    const backend = open({ namespace: 'obs', purgeIntervalMs: 0 });
    const { events } = record();
    await backend.set('a', value(), 60_000);
    await backend.get('a');
    await backend.get('missing');
    await backend.exists('a');
    await backend.getMany(['a', 'missing', 'a']);
    await backend.setMany([
      { key: 'b', value: value() },
      { key: 'c', value: value() },
    ]);
    await backend.deleteMany(['b', 'c']);
    await backend.getTtl('a');
    await backend.refreshTtl('a', 60_000);
    const lock = await backend.acquireLock('job', { ttlMs: 1_000 });
    await lock?.release();
    for await (const _key of backend.keys()) {
      // one page
    }
    await backend.delete('a');
    await backend.delete('a');
    await backend.clear();
    await backend.healthCheck();

    const ends = settled(events);
    expect(ends.map((context) => [context.operation, context.outcome])).toEqual([
      ['set', 'ok'],
      ['get', 'hit'],
      ['get', 'miss'],
      ['exists', 'hit'],
      ['getMany', 'partial'],
      ['setMany', 'ok'],
      ['deleteMany', 'ok'],
      ['getTtl', 'ok'],
      ['refreshTtl', 'ok'],
      ['acquireLock', 'ok'],
      ['releaseLock', 'ok'],
      ['keys', 'ok'],
      ['delete', 'hit'],
      ['delete', 'miss'],
      ['clear', 'ok'],
      ['healthCheck', 'ok'],
    ]);
    for (const context of ends) {
      expect(context).toMatchObject({ backendType: 'sqlite', namespace: 'obs' });
      expect(context.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(ends[1]).toMatchObject({ key: 'a', keyCount: undefined });
    expect(ends[4]).toMatchObject({ keyCount: 3, hits: 2 });
    expect(ends[5]).toMatchObject({ keyCount: 2 });
    // start, end, asyncStart, asyncEnd for each: nothing twice, nothing missing.
    expect(events).toHaveLength(ends.length * 4);
    const everything = events.map(([, context]) => inspect(context, { depth: 5 })).join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(Buffer.from(SECRET).toString('hex').slice(0, 16));
  });

  it('a failure carries its error type and code, and the error event comes first', async () => {
    const backend = open({ namespace: 'obs', purgeIntervalMs: 0 });
    const { events } = record();
    await expect(backend.set('k', value(), -1)).rejects.toMatchObject({ code: 'INVALID_TTL' });
    await expect(backend.get('')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await backend.close();
    await expect(backend.get('k')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(backend.deleteMany(['k'])).rejects.toMatchObject({ code: 'CLOSED' });

    const failures = events.filter(([event]) => event === 'error').map(([, context]) => context);
    expect(
      failures.map((context) => [
        context.operation,
        context.outcome,
        context.errorType,
        context.errorCode,
      ]),
    ).toEqual([
      ['set', 'error', 'PERMANENT', 'INVALID_TTL'],
      ['get', 'error', 'PERMANENT', 'INVALID_KEY'],
      ['get', 'error', 'PERMANENT', 'CLOSED'],
      ['deleteMany', 'error', 'PERMANENT', 'CLOSED'],
    ]);
    const order = events.map(([event, context]) => `${context.operation}:${event}`);
    expect(order.slice(0, 5)).toEqual([
      'set:start',
      'set:end',
      'set:error',
      'set:asyncStart',
      'set:asyncEnd',
    ]);
    expect(inspect(events, { depth: 5 })).not.toContain(SECRET);
  });

  it('after the subscriber leaves nothing is published, and operations work as before', async () => {
    const backend = open({ purgeIntervalMs: 0 });
    const { events, stop } = record();
    await backend.set('k', value());
    expect(events).toHaveLength(4);
    stop();
    expect(tracingChannel(TRACING_CHANNEL_NAMES.backend).hasSubscribers).toBe(false);
    await backend.set('k', value());
    expect(await backend.get('k')).toEqual(value());
    await backend.delete('k');
    expect(events).toHaveLength(4);
  });
});

describe('SqliteBackend logger option', () => {
  const { dir, open } = backendsPerTest();

  it('rejects a logger without the four methods, naming the option', () => {
    expect(() => open({ logger: { info: () => {} } as unknown as Logger })).toThrow(
      /SqliteBackend: option "logger"\.debug must be a function/,
    );
  });

  it('logs a damaged value dropped on a checksum mismatch, with its key and never its bytes', async () => {
    const logger = memoryLogger();
    const backend = open({ namespace: 'logs', logger, purgeIntervalMs: 0 });
    await backend.set('victim', value());
    backend.database
      .prepare("UPDATE cachestack_entries SET checksum = checksum + 1 WHERE key = 'victim'")
      .run();
    expect(await backend.get('victim')).toBeUndefined();
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({
      backendType: 'sqlite',
      namespace: 'logs',
      key: 'victim',
    });
    expect(warnings[0]?.message).toMatch(/checksum mismatch/);
    expect(inspect(logger.lines, { depth: 5 })).not.toContain(SECRET);
  });

  it('logs the byte-total trigger upgrade of an older file, once, and keeps the totals exact', async () => {
    // A file as the previous release wrote it: the size trigger without WHEN.
    const path = dir.file('cache.db');
    const raw = new BetterSqlite3(path);
    raw.exec(SCHEMA_SQL.replace(' WHEN OLD.size <> NEW.size', ''));
    raw.prepare("INSERT INTO cachestack_meta (name, value) VALUES ('schema_version', '2')").run();
    const triggerSql = raw
      .prepare("SELECT sql FROM sqlite_schema WHERE name = 'cachestack_entries_update'")
      .pluck();
    expect(triggerSql.get()).not.toContain('WHEN');
    raw.close();

    const logger = memoryLogger();
    const backend = open({ logger, purgeIntervalMs: 0 });
    expect(logger.lines.filter((line) => line.level === 'info')).toEqual([
      expect.objectContaining({
        message: 'migrated the cachestack tables',
        fields: expect.objectContaining({ migration: expect.stringMatching(/trigger/) }),
      }),
    ]);
    const sql = backend.database
      .prepare("SELECT sql FROM sqlite_schema WHERE name = 'cachestack_entries_update'")
      .pluck()
      .get();
    expect(sql).toContain('WHEN OLD.size <> NEW.size');
    await backend.set('k', Buffer.alloc(10));
    await backend.set('k', Buffer.alloc(30));
    await backend.set('k', Buffer.alloc(30, 1));
    expect((await backend.healthCheck()).details).toMatchObject({ entries: 1, bytes: 31 });

    const again = memoryLogger();
    open({ logger: again, purgeIntervalMs: 0 });
    expect(again.lines).toEqual([]);
  });

  it('a logger that throws does not fail the operation', async () => {
    const throwing = throwingLogger();
    const backend = open({ logger: throwing, purgeIntervalMs: 0 });
    await backend.set('victim', value());
    backend.database
      .prepare("UPDATE cachestack_entries SET checksum = checksum + 1 WHERE key = 'victim'")
      .run();
    expect(await backend.get('victim')).toBeUndefined();
  });
});
