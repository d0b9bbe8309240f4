import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState, TieredBackend } from '../src/index.js';
import { bytes, instrumentedMemory, sleep, text, waitFor } from './support/helpers.js';

const transient = new BackendError({ type: 'TRANSIENT', code: 'UNAVAILABLE', message: 'down' });
const permanent = new BackendError({ type: 'PERMANENT', code: 'INVALID_KEY', message: 'bad' });

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive counted failures', () => {
    const changes: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 60_000 }, (f, t) =>
      changes.push(`${f}->${t}`),
    );
    breaker.onFailure(transient);
    breaker.onFailure(transient);
    breaker.onSuccess();
    breaker.onFailure(transient);
    breaker.onFailure(transient);
    expect(breaker.state).toBe('closed');
    breaker.onFailure(transient);
    expect(breaker.state).toBe('open');
    expect(breaker.tryPass()).toBe(false);
    expect(changes).toEqual(['closed->open']);
  });

  it('does not count PERMANENT errors', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1 });
    breaker.onFailure(permanent);
    expect(breaker.state).toBe('closed');
    for (const type of ['TIMEOUT', 'AUTHENTICATION', 'UNKNOWN'] as const) {
      const counted = new CircuitBreaker({ failureThreshold: 1 });
      counted.onFailure(new BackendError({ type, code: type, message: type }));
      expect(counted.state).toBe('open');
    }
  });

  it('half-opens after resetTimeoutMs with exactly one trial; success closes, failure reopens', async () => {
    const states: CircuitState[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 40 }, (_, to) =>
      states.push(to),
    );
    breaker.onFailure(transient);
    expect(breaker.tryPass()).toBe(false);
    await sleep(60);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryPass()).toBe(true);
    expect(breaker.tryPass()).toBe(false);
    breaker.onFailure(transient);
    expect(breaker.state).toBe('open');
    await sleep(60);
    expect(breaker.tryPass()).toBe(true);
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('rejects bad thresholds with a TypeError naming the option', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ resetTimeoutMs: Number.NaN })).toThrow(/resetTimeoutMs/);
  });
});

describe('circuit breakers in a tiered backend', () => {
  const open: TieredBackend[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });

  it('a dead L2 costs nothing while its circuit is open, and is used again after recovery', async () => {
    const l2 = instrumentedMemory('L2');
    const cache = new TieredBackend({
      tiers: [
        new MemoryBackend(),
        { backend: l2, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 100 } },
      ],
    });
    open.push(cache);
    await l2.inner.set('k', bytes('v'));
    l2.down.add('get');
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBeUndefined();
    expect(cache.circuitStates()).toEqual(['closed', 'open']);
    const callsWhenOpened = l2.count('get');
    for (let i = 0; i < 50; i += 1) await cache.get(`x${i}`);
    expect(l2.count('get')).toBe(callsWhenOpened);
    const error = await cache.set('k2', bytes('v')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).type).toBe('TRANSIENT');
    expect((error as BackendError).code).toBe('CIRCUIT_OPEN');
    l2.down.clear();
    await sleep(120);
    expect(cache.circuitStates()[1]).toBe('half-open');
    expect(text(await cache.get('k'))).toBe('v');
    expect(cache.circuitStates()).toEqual(['closed', 'closed']);
  });

  it('a local L1 skipped while open is cleared when it re-closes (no stale copy survives)', async () => {
    const l1 = instrumentedMemory('L1');
    const cache = new TieredBackend({
      tiers: [
        { backend: l1, circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 50 } },
        new MemoryBackend(),
      ],
    });
    open.push(cache);
    await cache.set('k', bytes('old'));
    l1.down.add('get');
    expect(text(await cache.get('k'))).toBe('old');
    expect(cache.circuitStates()[0]).toBe('open');
    await cache.set('k', bytes('new'));
    expect(text(await l1.inner.get('k'))).toBe('old');
    l1.down.clear();
    await sleep(70);
    await cache.get('other');
    await waitFor(async () => (await l1.inner.get('k')) === undefined);
    expect(text(await cache.get('k'))).toBe('new');
  });
});
