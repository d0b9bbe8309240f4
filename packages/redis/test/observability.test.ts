import { type Logger, TRACING_CHANNEL_NAMES } from '@cachestack/core';
import {
  contextsOf,
  memoryLogger,
  RedisServer,
  recordTraces,
  settled,
} from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';
import { until } from './support/tracked-l1.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start({ password: 's3cret-pw' });
});
afterAll(async () => {
  await server?.destroy();
});

const url = () => `redis://:s3cret-pw@127.0.0.1:${server.port}`;
const SECRET_VALUE = 'VALUE-BYTES-MUST-NOT-LEAK';

/** Every event of the backend channel for `namespace`, in order; the caller stops it. */
const record = (namespace: string) =>
  recordTraces(TRACING_CHANNEL_NAMES.backend, {
    filter: (context) => context.namespace === namespace,
  });

describe('tracing (cachestack:backend)', () => {
  it('publishes each operation once, with its outcome, and never a value', async () => {
    const namespace = `trace-${process.pid}`;
    const backend = new RedisBackend({ url: url(), namespace });
    const { events, stop } = record(namespace);
    try {
      await backend.set('a', Buffer.from(SECRET_VALUE));
      await backend.get('a');
      await backend.get('missing');
      await backend.getMany(['a', 'missing']);
      await backend.exists('a');
      await backend.delete('a');
      await backend.delete('a');
      await expect(backend.get('')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    } finally {
      stop();
      await backend.close();
    }
    const ends = settled(events);
    expect(ends.map((context) => [context.operation, context.key, context.outcome])).toEqual([
      ['set', 'a', 'ok'],
      ['get', 'a', 'hit'],
      ['get', 'missing', 'miss'],
      ['getMany', undefined, 'partial'],
      ['exists', 'a', 'hit'],
      ['delete', 'a', 'hit'],
      ['delete', 'a', 'miss'],
      ['get', '', 'error'],
    ]);
    for (const context of ends) {
      expect(context.backendType).toBe('redis');
      expect(context.durationMs).toBeGreaterThanOrEqual(0);
    }
    const getMany = ends[3];
    expect(getMany).toMatchObject({ keyCount: 2, hits: 1 });
    const failed = contextsOf(events, 'error');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ errorType: 'PERMANENT', errorCode: 'INVALID_KEY' });
    // Each operation: start, end, asyncStart, asyncEnd (plus error for the failure).
    expect(contextsOf(events, 'start')).toHaveLength(8);
    const text = JSON.stringify(events, (_key, value) =>
      value instanceof Error ? value.message : value,
    );
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
  });

  it('reports a classified failure: TRANSIENT UNAVAILABLE while Redis is down, CLOSED after close', async () => {
    const namespace = `trace-down-${process.pid}`;
    const backend = new RedisBackend({ url: 'redis://127.0.0.1:1', namespace });
    const { events, stop } = record(namespace);
    try {
      await expect(backend.get('k')).rejects.toMatchObject({ type: 'TRANSIENT' });
      await backend.close();
      await expect(backend.set('k', Buffer.from('v'))).rejects.toMatchObject({ code: 'CLOSED' });
    } finally {
      stop();
    }
    const failed = contextsOf(events, 'error');
    expect(
      failed.map((context) => [context.operation, context.errorType, context.errorCode]),
    ).toEqual([
      ['get', 'TRANSIENT', 'UNAVAILABLE'],
      ['set', 'PERMANENT', 'CLOSED'],
    ]);
  });
});

describe('logger option', () => {
  it('rejects a bad logger with a TypeError naming the option', () => {
    expect(() => new RedisBackend({ url: url(), logger: {} as Logger })).toThrow(
      /RedisBackend: option logger\.debug must be a function/,
    );
  });

  it('logs the connection lost and restored, with the URL redacted', async () => {
    const logger = memoryLogger();
    const backend = new RedisBackend({ url: url(), namespace: 'log', logger });
    try {
      await backend.set('k', Buffer.from('v'));
      await server.stop();
      await until(() => logger.lines.some((entry) => entry.level === 'warn'), 3000, 'the warning');
      await server.restart();
      await until(
        () => logger.lines.some((entry) => entry.message === 'Redis connection restored'),
        5000,
        'the reconnection',
      );
    } finally {
      await backend.close();
    }
    const lost = logger.lines.find((entry) => entry.level === 'warn');
    expect(lost?.message).toBe('Redis connection lost; reconnecting');
    expect(lost?.fields).toMatchObject({ backendType: 'redis', namespace: 'log' });
    expect(lost?.fields.endpoint).toBe(`redis://:***@127.0.0.1:${server.port}`);
    expect(JSON.stringify(logger.lines)).not.toContain('s3cret-pw');
  }, 15_000);
});
