import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError, MAX_TIMER_MS, OperationTimeouts, raceWithTimeout } from '../src/index.js';

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

describe('limits longer than one timer can wait (2^31 - 1 ms)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a limit above MAX_TIMER_MS does not fire early (Node would fire it after 1 ms)', async () => {
    await expect(raceWithTimeout(slow(30), MAX_TIMER_MS + 1, 'get')).resolves.toBe('done');
    await expect(raceWithTimeout(slow(30), 1e10, 'get')).resolves.toBe('done');
    const timeouts = new OperationTimeouts();
    await expect(
      timeouts.run('get', 1e10, () => timeouts.guard('get', 'k', () => slow(30))),
    ).resolves.toBe('done');
  });

  it('re-arms until the real deadline, then rejects with TIMEOUT', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const limit = MAX_TIMER_MS + 5_000;
    let settled: unknown;
    raceWithTimeout(new Promise(() => {}), limit, 'get', 'k').catch((error: unknown) => {
      settled = error;
    });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(settled, 'must not time out before its limit').toBeUndefined();
    await vi.advanceTimersByTimeAsync(4_990);
    expect(settled, 'must not time out before its limit').toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    expect(settled).toBeInstanceOf(BackendError);
    expect((settled as BackendError).code).toBe('TIMEOUT');
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

  it('withTimeout rejects any bad operation with a BackendError, even a BigInt or a Symbol', async () => {
    const timeouts = new OperationTimeouts();
    for (const operation of [10n, Symbol('op'), 'nope', 5, null]) {
      const error = await rejection(timeouts.run(operation as never, 100, () => 1));
      expect([error.type, error.code]).toEqual(['PERMANENT', 'INVALID_ARGUMENT']);
    }
    for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', 5n, Symbol('ms')]) {
      const error = await rejection(timeouts.run('get', ms as never, () => 1));
      expect([error.type, error.code]).toEqual(['PERMANENT', 'INVALID_TIMEOUT']);
    }
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
