import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BackendError,
  LOCAL_READ,
  LOCAL_READ_UNAVAILABLE,
  type Logger,
  type OperationTraceContext,
} from '@cachestack/core';
import {
  contextsOf,
  memoryLogger,
  recordTraces,
  type TraceRecording,
  throwingLogger,
} from '@cachestack/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/index.js';
import { bytes, makeTempDir, sleep } from './helpers.js';

const SECRET = 'SECRET-VALUE-BYTES';

/** Every string a context carries, its error's message included, for a search. */
function flatten(context: OperationTraceContext): string {
  const error = context.error as Error | undefined;
  return JSON.stringify({ ...context, error: error?.message, stack: error?.stack });
}

describe('tracing on cachestack:backend', () => {
  let subscription: TraceRecording;
  beforeEach(() => {
    subscription = recordTraces('cachestack:backend', {
      filter: (context) => context.backendType === 'memory',
    });
  });
  afterEach(() => subscription.stop());

  it('publishes one start and one end per operation, with its outcome, and never a value', async () => {
    const backend = new MemoryBackend({ policy: 'tinylfu' });
    const secret = bytes(SECRET);
    await backend.set('a', secret, 60_000);
    await backend.get('a');
    await backend.get('missing');
    await backend.exists('a');
    await backend.getTtl('a');
    await backend.getMany(['a', 'missing']);
    await backend.setMany([{ key: 'b', value: secret }]);
    await backend.deleteMany(['b', 'gone']);
    await backend.delete('a');
    await backend.delete('a');
    const lock = await backend.acquireLock('job', { ttlMs: 1_000 });
    await lock?.release();
    await backend.healthCheck();
    await backend.set('bad-ttl', secret, -1).catch(() => undefined);
    await backend.close();
    await backend.get('a').catch(() => undefined);

    const ends = subscription.events
      .filter(([kind]) => kind === 'asyncEnd' || kind === 'error')
      .map(([kind, context]) => ({ kind, context }));
    expect(ends.map(({ kind, context }) => [kind, context.operation, context.outcome])).toEqual([
      ['asyncEnd', 'set', 'ok'],
      ['asyncEnd', 'get', 'hit'],
      ['asyncEnd', 'get', 'miss'],
      ['asyncEnd', 'exists', 'hit'],
      ['asyncEnd', 'getTtl', 'ok'],
      ['asyncEnd', 'getMany', 'partial'],
      ['asyncEnd', 'setMany', 'ok'],
      ['asyncEnd', 'deleteMany', 'ok'],
      ['asyncEnd', 'delete', 'hit'],
      ['asyncEnd', 'delete', 'miss'],
      ['asyncEnd', 'acquireLock', 'ok'],
      ['asyncEnd', 'releaseLock', 'ok'],
      ['asyncEnd', 'healthCheck', 'ok'],
      ['error', 'set', 'error'],
      ['asyncEnd', 'set', 'error'],
      ['asyncEnd', 'close', 'ok'],
      ['error', 'get', 'error'],
      ['asyncEnd', 'get', 'error'],
    ]);
    const starts = contextsOf(subscription.events, 'start');
    expect(starts).toHaveLength(16);
    const byOperation = (operation: string) =>
      ends.find((event) => event.context.operation === operation)!.context;
    expect(byOperation('get')).toMatchObject({ key: 'a', backendType: 'memory' });
    expect(byOperation('getMany')).toMatchObject({ key: undefined, keyCount: 2, hits: 1 });
    expect(byOperation('deleteMany').keyCount).toBe(2);
    const failures = ends.filter((event) => event.kind === 'error').map((event) => event.context);
    expect(failures.map((context) => [context.errorType, context.errorCode])).toEqual([
      ['PERMANENT', 'INVALID_TTL'],
      ['PERMANENT', 'CLOSED'],
    ]);
    for (const [, context] of subscription.events) {
      expect(context.durationMs ?? 0).toBeGreaterThanOrEqual(0);
      expect(flatten(context)).not.toContain(SECRET);
      for (const field of Object.values(context)) expect(field).not.toBeInstanceOf(Uint8Array);
    }
  });

  it('the synchronous local read steps aside while someone listens, so every read is traced', async () => {
    const backend = new MemoryBackend();
    await backend.set('k', bytes('v'));
    expect(backend[LOCAL_READ]('k')).toBe(LOCAL_READ_UNAVAILABLE);
    subscription.stop();
    expect(backend[LOCAL_READ]('k')).toEqual(Buffer.from('v'));
    await backend.close();
  });
});

describe('logger', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    temp = await makeTempDir();
  });
  afterEach(() => temp.remove());

  it('rejects a logger without the four methods, naming the option', () => {
    expect(() => new MemoryBackend({ logger: {} as Logger })).toThrow(
      /MemoryBackend: option "logger"\.debug must be a function/,
    );
    expect(() => new MemoryBackend({ logger: 'console' as unknown as Logger })).toThrow(
      /MemoryBackend: option "logger" must be a logger/,
    );
  });

  it('an ignored snapshot is logged (not sent to process.emitWarning); load and save are debug lines', async () => {
    const path = join(temp.dir, 'cache.snapshot');
    await writeFile(path, `garbage ${SECRET}`);
    const logger = memoryLogger();
    const emitted: Error[] = [];
    const listener = (warning: Error): void => {
      emitted.push(warning);
    };
    process.on('warning', listener);
    try {
      const backend = await MemoryBackend.open({ snapshot: { path }, logger });
      await backend.set('k', bytes(SECRET));
      await backend.close();
      await sleep(10);
    } finally {
      process.off('warning', listener);
    }
    expect(emitted).toEqual([]);
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'snapshot ignored, starting empty'],
      ['debug', 'snapshot saved on close'],
    ]);
    expect(logger.lines[0]?.fields).toMatchObject({
      backendType: 'memory',
      snapshotPath: path,
      errorType: 'PERMANENT',
      errorCode: 'CORRUPT',
    });
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
  });

  it('with both onWarning and a logger, both hear of a failed interval save; a throwing logger breaks nothing', async () => {
    const path = join(temp.dir, 'file-not-dir', 'cache.snapshot');
    await writeFile(join(temp.dir, 'file-not-dir'), 'a file where a directory should be');
    const warnings: BackendError[] = [];
    const logger = memoryLogger();
    const backend = await MemoryBackend.open({
      snapshot: { path, intervalMs: 10, onWarning: (warning) => warnings.push(warning) },
      logger,
    });
    await backend.set('k', bytes('v'));
    for (let waited = 0; warnings.length < 2 && waited < 2_000; waited += 10) await sleep(10);
    // Unreadable on open (a file where its directory should be), then the interval save fails.
    expect(warnings.map((warning) => [warning.operation, warning.code])).toEqual([
      ['open', 'INVALID_PATH'],
      ['snapshot', 'INVALID_PATH'],
    ]);
    expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(2);
    expect(logger.lines[1]).toMatchObject({
      message: 'snapshot save failed',
      fields: { errorCode: 'INVALID_PATH', operation: 'snapshot' },
    });
    await expect(backend.close()).rejects.toMatchObject({ code: 'INVALID_PATH' });

    const throwing = throwingLogger('logger down');
    const other = await MemoryBackend.open({
      snapshot: { path: join(temp.dir, 'ok.snapshot') },
      logger: throwing,
    });
    await other.set('k', bytes('v'));
    await expect(other.close()).resolves.toBeUndefined();
  });
});

describe('a snapshot path under /proc', () => {
  it('fails promptly and classified, on close and on interval saves (no mkdir spin)', async () => {
    const path = '/proc/cachestack-memory-test/deeper/cache.snapshot';
    const warnings: BackendError[] = [];
    const backend = await MemoryBackend.open({
      snapshot: { path, intervalMs: 10, onWarning: (warning) => warnings.push(warning) },
    });
    await backend.set('k', bytes('v'));
    for (let waited = 0; warnings.length === 0 && waited < 2_000; waited += 10) await sleep(10);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'PERMANENT', code: 'INVALID_PATH' });
    const started = performance.now();
    const failure = await backend.close().then(
      () => undefined,
      (error: unknown) => error as BackendError,
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(failure?.name).toBe('BackendError');
    expect(failure?.type).toBe('PERMANENT');
    expect(failure?.code).toBe(warnings[0]?.code);
  }, 5_000);
});
