import { isBackendError } from '@cachestack/core';
import { Mismatch } from './violations.js';

/** How one call of a sequence ended: its value, or its rejection (`sync`: thrown synchronously). */
export type Outcome = { ok: true; value: unknown } | { ok: false; reason: unknown; sync: boolean };

const HANG = Symbol('hang');

/**
 * Calls `target[name](...args)`, noting a synchronous throw (not for `keys`,
 * whose iterable is collected here) and throwing a `hang` {@link Mismatch}
 * when it does not settle within `callTimeoutMs`.
 */
export async function callBounded(
  target: Record<string, (...args: unknown[]) => unknown>,
  name: string,
  args: unknown[],
  callTimeoutMs: number,
): Promise<Outcome> {
  let pending: unknown;
  try {
    pending = target[name]?.apply(target, args);
  } catch (reason) {
    return { ok: false, reason, sync: name !== 'keys' };
  }
  if (name === 'keys') pending = collect(pending as AsyncIterable<string>);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<typeof HANG>((resolve) => {
    timer = setTimeout(() => resolve(HANG), callTimeoutMs);
  });
  try {
    const value = await Promise.race([pending, limit]);
    if (value === HANG)
      throw new Mismatch('hang', `${name} did not settle within ${callTimeoutMs} ms`);
    return { ok: true, value };
  } catch (reason) {
    if (reason instanceof Mismatch) throw reason;
    return { ok: false, reason, sync: false };
  } finally {
    clearTimeout(timer);
  }
}

/** True for a `BackendError` of type `TIMEOUT`. */
export function isTimeout(reason: unknown): boolean {
  return isBackendError(reason) && reason.type === 'TIMEOUT';
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys;
}
