import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InProcessLockTable } from '../src/index.js';

describe('InProcessLockTable', () => {
  it('grants a free key once, with unique 128-bit tokens and growing fencing numbers', () => {
    const table = new InProcessLockTable();
    const first = table.tryAcquire('k', 1_000);
    expect(first?.token).toMatch(/^[0-9a-f]{32}$/);
    expect(table.tryAcquire('k', 1_000)).toBeUndefined();
    const other = table.tryAcquire('other', 1_000);
    expect(other?.token).not.toBe(first?.token);
    expect(other!.fencingToken).toBeGreaterThan(first!.fencingToken);
  });

  it('a waitMs beyond one timer (2^31 - 1 ms) waits without timer overflow and gets the lock on release', async () => {
    const table = new InProcessLockTable();
    const holder = table.tryAcquire('k', 1e13)!; // held far beyond one timer's reach
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const waiting = table.acquire('k', 1_000, 1e12);
      await sleep(50);
      expect(table.release('k', holder.token)).toBe(true);
      await expect(waiting).resolves.toBeDefined();
      await sleep(10); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings, 'no TimeoutOverflowWarning: a timer never gets more than 2^31 - 1 ms').toEqual(
      [],
    );
  });

  it('releases only with the holder token', () => {
    const table = new InProcessLockTable();
    const grant = table.tryAcquire('k', 1_000)!;
    expect(table.release('k', 'not-the-token')).toBe(false);
    expect(table.tryAcquire('k', 1_000)).toBeUndefined();
    expect(table.release('k', grant.token)).toBe(true);
    expect(table.release('k', grant.token)).toBe(false);
    expect(table.tryAcquire('k', 1_000)).toBeDefined();
  });

  it('expires locks by themselves and then refuses the stale holder', async () => {
    const table = new InProcessLockTable();
    const stale = table.tryAcquire('k', 30)!;
    await sleep(50);
    expect(table.extend('k', stale.token, 1_000)).toBe(false);
    const fresh = table.tryAcquire('k', 1_000)!;
    expect(fresh).toBeDefined();
    expect(table.release('k', stale.token)).toBe(false);
    expect(table.tryAcquire('k', 1_000)).toBeUndefined();
    expect(table.release('k', fresh.token)).toBe(true);
  });

  it('extends only while held', async () => {
    const table = new InProcessLockTable();
    const grant = table.tryAcquire('k', 40)!;
    expect(table.extend('k', grant.token, 1_000)).toBe(true);
    await sleep(60);
    expect(table.tryAcquire('k', 1_000)).toBeUndefined();
  });

  it('wakes a waiter when the holder releases', async () => {
    const table = new InProcessLockTable();
    const holder = table.tryAcquire('k', 10_000)!;
    const started = performance.now();
    const waiting = table.acquire('k', 1_000, 2_000);
    setTimeout(() => table.release('k', holder.token), 30);
    const grant = await waiting;
    expect(grant).toBeDefined();
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('gives up after waitMs, not before', async () => {
    const table = new InProcessLockTable();
    table.tryAcquire('k', 10_000);
    const started = performance.now();
    expect(await table.acquire('k', 1_000, 60)).toBeUndefined();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(59);
    expect(waited).toBeLessThan(1_000);
  });

  it('hands the key to a waiter when the holder expires', async () => {
    const table = new InProcessLockTable();
    table.tryAcquire('k', 40);
    expect(await table.acquire('k', 1_000, 2_000)).toBeDefined();
  });

  it('serialises K workers x M increments', async () => {
    const table = new InProcessLockTable();
    let counter = 0;
    const worker = async () => {
      for (let i = 0; i < 20; i++) {
        const lock = await table.acquireLock('counter', 5_000, 5_000);
        if (!lock) throw new Error('lock not acquired');
        const read = counter;
        await sleep(0);
        counter = read + 1;
        await lock.release();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(counter).toBe(80);
  });

  it('releases through await using', async () => {
    const table = new InProcessLockTable();
    await expect(
      (async () => {
        await using _lock = await table.acquireLock('k', 5_000, 0);
        throw new Error('body failed');
      })(),
    ).rejects.toThrow('body failed');
    expect(table.tryAcquire('k', 1_000)).toBeDefined();
  });

  it('clear() drops every lock', () => {
    const table = new InProcessLockTable();
    table.tryAcquire('a', 10_000);
    table.tryAcquire('b', 10_000);
    expect(table.size).toBe(2);
    table.clear();
    expect(table.size).toBe(0);
  });
});
