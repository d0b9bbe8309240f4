import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { TRACING_CHANNEL_NAMES } from '@cachestack/core';
import { settled as ends, memoryLogger, recordTraces } from '@cachestack/test-support';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { FileBackend } from '../src/index.js';
import { entryFile, makeTempDir, namespaceDir } from './helpers.js';

const SECRET = 'VALUE-BYTES-never-traced';
const value = () => Buffer.from(SECRET);

const backends: FileBackend[] = [];
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

/** A real subscriber on cachestack:backend for this test, keeping the file backend's events. */
const record = () =>
  recordTraces(TRACING_CHANNEL_NAMES.backend, {
    filter: (context) => context.backendType === 'file',
    stopWith: onTestFinished,
  });

async function open(options: Partial<ConstructorParameters<typeof FileBackend>[0]> = {}) {
  const directory = await makeTempDir();
  const backend = new FileBackend({ directory, namespace: 'obs', sweepIntervalMs: 0, ...options });
  backends.push(backend);
  return { directory, backend };
}

describe('FileBackend tracing on cachestack:backend', () => {
  it('traces every operation once with its outcome, and never a value', async () => {
    const { backend } = await open();
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
    const lock = await backend.acquireLock('job', { ttlMs: 1_000 });
    await lock?.release();
    for await (const _key of backend.keys()) {
      // iterate
    }
    await backend.delete('a');
    await backend.delete('a');
    await backend.clear();

    const settled = ends(events);
    expect(settled.map((c) => [c.operation, c.outcome])).toEqual([
      ['set', 'ok'],
      ['get', 'hit'],
      ['get', 'miss'],
      ['exists', 'hit'],
      ['getMany', 'partial'],
      ['setMany', 'ok'],
      ['deleteMany', 'ok'],
      ['getTtl', 'ok'],
      ['acquireLock', 'ok'],
      ['releaseLock', 'ok'],
      ['keys', 'ok'],
      ['delete', 'hit'],
      ['delete', 'miss'],
      ['clear', 'ok'],
    ]);
    expect(events).toHaveLength(settled.length * 4);
    expect(settled[0]).toMatchObject({ backendType: 'file', namespace: 'obs', key: 'a' });
    expect(settled[4]).toMatchObject({ keyCount: 3, hits: 2, key: undefined });
    expect(settled[5]).toMatchObject({ keyCount: 2 });
    const contexts = events.map(([, context]) => context);
    for (const context of contexts) {
      for (const field of Object.values(context)) expect(field).not.toBeInstanceOf(Uint8Array);
    }
    expect(inspect(contexts, { depth: 5 })).not.toContain(SECRET);
  });

  it('records the error type and code of a classified failure, and CLOSED after close', async () => {
    const parent = await makeTempDir();
    const blocker = join(parent, 'not-a-directory');
    await writeFile(blocker, 'x');
    const backend = new FileBackend({ directory: blocker, sweepIntervalMs: 0 });
    backends.push(backend);
    const { events } = record();
    const failure = (await backend.set('k', value()).catch((error: unknown) => error)) as {
      type: string;
      code: string;
    };
    await backend.close();
    await expect(backend.get('k')).rejects.toMatchObject({ code: 'CLOSED' });

    expect(failure.type).not.toBe('UNKNOWN');
    expect(events.slice(0, 5).map(([event]) => event)).toEqual([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ]);
    expect(ends(events).map((c) => [c.operation, c.outcome, c.errorType, c.errorCode])).toEqual([
      ['set', 'error', failure.type, failure.code],
      ['get', 'error', 'PERMANENT', 'CLOSED'],
    ]);
  });
});

describe('FileBackend logger', () => {
  it('warns when a corrupt entry is dropped, naming the file and namespace', async () => {
    const logger = memoryLogger();
    const { directory, backend } = await open({ logger });
    await backend.set('k', value());
    await writeFile(entryFile(directory, 'k', 'obs'), 'garbage, not an entry');
    expect(await backend.get('k')).toBeUndefined();
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        fields: { namespace: 'obs', path: entryFile(directory, 'k', 'obs') },
        message: 'a corrupt or foreign entry was dropped',
      },
    ]);
    expect((await backend.healthCheck()).details.corruptEntries).toBe(1);
  });

  it('warns when the sweep removes a symlink planted in the namespace directory', async () => {
    const logger = memoryLogger();
    const { directory, backend } = await open({ logger });
    await backend.set('k', value());
    const planted = join(namespaceDir(directory, 'obs'), 'ff');
    await symlink('/tmp', planted);
    await backend.sweep();
    expect(logger.lines).toContainEqual({
      level: 'warn',
      fields: { namespace: 'obs', path: planted },
      message: 'a symlink planted in the namespace directory was removed',
    });
  });

  it('logs eviction passes at debug', async () => {
    const logger = memoryLogger();
    const { backend } = await open({ logger, maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) await backend.set(key, value());
    expect(logger.lines).toEqual([
      {
        level: 'debug',
        fields: { namespace: 'obs', evicted: 1, entries: 2 },
        message: 'evicted 1 least recently used entries above the limits',
      },
    ]);
  });

  it('rejects a logger without the four methods with a TypeError naming it', () => {
    expect(() => new FileBackend({ directory: '/tmp/x', logger: {} as never })).toThrow(
      /^FileBackend: option logger\.debug must be a function/,
    );
  });
});
