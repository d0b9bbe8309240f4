import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BackendError, OperationTimeouts, raceWithTimeout } from '../src/index.js';

const slow = (ms: number, value = 'done') => sleep(ms).then(() => value);

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('expected a rejection');
}

describe('raceWithTimeout', () => {
  it('resolves a fast promise', async () => {
    await expect(raceWithTimeout(slow(1), 1_000, 'get')).resolves.toBe('done');
  });
  it('rejects a slow one with TIMEOUT naming operation and key', async () => {
    const started = performance.now();
    const error = await rejection(raceWithTimeout(slow(500), 30, 'get', 'k'));
    expect(performance.now() - started).toBeLessThan(400);
    expect([error.type, error.code, error.operation, error.key]).toEqual([
      'TIMEOUT',
      'TIMEOUT',
      'get',
      'k',
    ]);
  });
  it('passes the original rejection through', async () => {
    const boom = new Error('boom');
    await expect(raceWithTimeout(Promise.reject(boom), 1_000, 'get')).rejects.toBe(boom);
  });
});

describe('OperationTimeouts', () => {
  it('applies no limit by default', async () => {
    const timeouts = new OperationTimeouts();
    expect(timeouts.limitFor('get')).toBeUndefined();
    await expect(timeouts.guard('get', 'k', () => slow(20))).resolves.toBe('done');
  });

  it('applies defaults, the smaller of the operation and "*"', () => {
    const timeouts = new OperationTimeouts({ '*': 100, get: 50, set: 500 });
    expect(timeouts.limitFor('get')).toBe(50);
    expect(timeouts.limitFor('set')).toBe(100);
    expect(timeouts.limitFor('delete')).toBe(100);
  });

  it('rejects invalid defaults', () => {
    expect(() => new OperationTimeouts({ get: 0 })).toThrow(/INVALID_TIMEOUT/);
    expect(() => new OperationTimeouts({ nope: 5 } as never)).toThrow(/unknown operation/);
  });

  it('scopes limits to the call tree of run()', async () => {
    const timeouts = new OperationTimeouts();
    const seen = await timeouts.run('get', 40, async () => {
      await sleep(1);
      return [timeouts.limitFor('get'), timeouts.limitFor('set')];
    });
    expect(seen).toEqual([40, undefined]);
    expect(timeouts.limitFor('get')).toBeUndefined();
  });

  it('keeps the smaller limit when scopes nest', async () => {
    const timeouts = new OperationTimeouts();
    const inner = await timeouts.run('*', 30, () =>
      timeouts.run('get', 80, () => [timeouts.limitFor('get'), timeouts.limitFor('set')]),
    );
    expect(inner).toEqual([30, 30]);
  });

  it('does not leak limits between concurrent callers', async () => {
    const timeouts = new OperationTimeouts();
    const limited = timeouts.run('get', 30, () => timeouts.guard('get', 'a', () => slow(300)));
    const free = timeouts.guard('get', 'b', () => slow(100, 'free'));
    const [a, b] = await Promise.allSettled([limited, free]);
    expect(a.status).toBe('rejected');
    expect(((a as PromiseRejectedResult).reason as BackendError).isTimeout).toBe(true);
    expect(b).toEqual({ status: 'fulfilled', value: 'free' });
  });

  it('rejects invalid scopes with INVALID_TIMEOUT before running fn', async () => {
    const timeouts = new OperationTimeouts();
    let ran = false;
    for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await rejection(
        timeouts.run('get', ms, () => {
          ran = true;
        }),
      );
      expect(error.code).toBe('INVALID_TIMEOUT');
    }
    expect(ran).toBe(false);
  });

  it('returns what fn returns, sync or async', async () => {
    const timeouts = new OperationTimeouts();
    await expect(timeouts.run('*', 100, () => 7)).resolves.toBe(7);
    await expect(timeouts.run('*', 100, async () => 8)).resolves.toBe(8);
  });
});
