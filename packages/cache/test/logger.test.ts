import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { memoryLogger, ReferenceBackend, throwingLogger } from '@cachestack/test-support';
import { describe, expect, test, vi } from 'vitest';
import { createCache } from '../src/index.js';

const SECRET = 'value-bytes-9c1e';

describe('logger', () => {
  test('a corrupt entry dropped is logged with its key and code, never its bytes', async () => {
    const backend = new ReferenceBackend();
    const logger = memoryLogger();
    const cache = createCache({ backend, logger });
    const reported: string[] = [];
    cache.on('error', ({ error }) => reported.push(error.message));
    // A valid header followed by bytes the serializer cannot decode (they quote the secret).
    const header = new Uint8Array(18);
    header[0] = 0xca;
    new DataView(header.buffer).setFloat64(2, Number.POSITIVE_INFINITY, true);
    new DataView(header.buffer).setFloat64(10, Number.POSITIVE_INFINITY, true);
    const body = new TextEncoder().encode(`\u0005{"broken": ${SECRET}`);
    await backend.set('bad', new Uint8Array([...header, ...body]));
    await backend.set('short', new TextEncoder().encode(SECRET));
    expect(await cache.get('bad')).toBeUndefined();
    expect(await cache.get('short')).toBeUndefined();
    expect(logger.lines.map((l) => [l.level, l.fields.key, l.fields.code])).toEqual([
      ['warn', 'bad', 'CORRUPT'],
      ['warn', 'short', 'CORRUPT'],
    ]);
    // The serializer's message quotes the bytes (the error event carries it); the log does not.
    const quoted = SECRET.slice(0, 10); // V8 quotes a few characters around the bad token
    expect(reported[0]).toContain(quoted);
    expect(JSON.stringify(logger.lines)).not.toContain(quoted);
    expect(await backend.exists('bad')).toBe(false);
  });

  test('stale values served after a loader failure, and failed background refreshes, are logged', async () => {
    const logger = memoryLogger();
    const cache = createCache({ backend: new MemoryBackend(), logger });
    const options = { ttlMs: 20, graceMs: 60_000 };
    await cache.getOrSet('k', async () => ({ secret: SECRET }), options);
    await sleep(30);
    const failing = async () => {
      throw new TypeError(`loader broke near ${SECRET}`);
    };
    expect(await cache.getOrSet('k', failing, options)).toEqual({ secret: SECRET });
    const slowFailing = async () => {
      await sleep(40);
      throw new TypeError('late');
    };
    await cache.getOrSet('k', slowFailing, { ...options, loaderTimeoutMs: 10 });
    await cache.idle();
    expect(
      logger.lines.map((l) => [l.level, l.message, l.fields.reason, l.fields.errorName]),
    ).toEqual([
      ['warn', 'loader failed: served stale', 'loader-error', 'TypeError'],
      ['info', 'loader slower than loaderTimeoutMs: served stale', 'loader-timeout', undefined],
      ['warn', 'background refresh failed after a stale value was served', undefined, 'TypeError'],
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
  });

  test('waiting out another holder of the load lock is logged', async () => {
    const backend = new MemoryBackend();
    const logger = memoryLogger();
    const cache = createCache({ backend, logger });
    const held = await backend.acquireLock('k', { ttlMs: 5_000 });
    expect(await cache.getOrSet('k', async () => 1, { lockWaitMs: 20 })).toBe(1);
    expect(logger.lines.map((l) => [l.level, l.fields.key, l.fields.lockWaitMs])).toEqual([
      ['warn', 'k', 20],
    ]);
    await held?.release();
    await backend.close();
  });

  test('a throwing listener goes to the logger (not process.emitWarning) when there is one', async () => {
    const logger = memoryLogger();
    const cache = createCache({ backend: new ReferenceBackend(), logger });
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    cache.on('set', () => {
      throw new Error('listener bug');
    });
    await cache.set('k', 1);
    expect(warning).not.toHaveBeenCalled();
    warning.mockRestore();
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        fields: { event: 'set' },
        message: 'a cache "set" listener threw: listener bug',
      },
    ]);
  });

  test('a logger that throws never breaks an operation', async () => {
    const broken = throwingLogger('no');
    const backend = new ReferenceBackend();
    const cache = createCache({ backend, logger: broken });
    await backend.set('bad', new Uint8Array([1, 2, 3]));
    expect(await cache.get('bad')).toBeUndefined();
  });

  test('a bad logger option is a TypeError naming it', () => {
    const backend = new ReferenceBackend();
    expect(() => createCache({ backend, logger: {} as Logger })).toThrow(
      /logger\.debug must be a function/,
    );
    expect(() => createCache({ backend, logger: 'console' as unknown as Logger })).toThrow(
      /logger must be a logger/,
    );
  });
});
