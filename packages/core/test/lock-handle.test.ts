import { describe, expect, it } from 'vitest';
import { BackendError, createLockHandle, createLockToken } from '../src/index.js';

describe('createLockToken', () => {
  it('makes 128-bit hex tokens that do not repeat', () => {
    const tokens = new Set(Array.from({ length: 1_000 }, createLockToken));
    expect(tokens.size).toBe(1_000);
    for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('createLockHandle', () => {
  function handle(storeHeld = true) {
    const calls: string[] = [];
    const lock = createLockHandle({
      key: 'k',
      token: 't',
      release: async () => {
        calls.push('release');
        return storeHeld;
      },
      extend: async (ms) => {
        calls.push(`extend ${ms}`);
        return storeHeld;
      },
    });
    return { lock, calls };
  }

  it('releases once; later releases and extends resolve false without the store', async () => {
    const { lock, calls } = handle();
    expect(await lock.release()).toBe(true);
    expect(await lock.release()).toBe(false);
    expect(await lock.extend(100)).toBe(false);
    expect(calls).toEqual(['release']);
  });

  it('rounds the extend TTL up and rejects invalid ones', async () => {
    const { lock, calls } = handle();
    expect(await lock.extend(10.2)).toBe(true);
    await expect(lock.extend(0)).rejects.toBeInstanceOf(BackendError);
    expect(calls).toEqual(['extend 11']);
  });

  it('lets a failed release be retried', async () => {
    let attempts = 0;
    const lock = createLockHandle({
      key: 'k',
      token: 't',
      release: async () => {
        attempts++;
        if (attempts === 1) throw new Error('store down');
        return true;
      },
      extend: async () => true,
    });
    await expect(lock.release()).rejects.toThrow('store down');
    expect(await lock.release()).toBe(true);
  });

  it('releases on asyncDispose', async () => {
    const { lock, calls } = handle();
    await lock[Symbol.asyncDispose]();
    expect(calls).toEqual(['release']);
  });
});
