import {
  type AcquireLockOptions,
  assertValidKey,
  assertValidPrefix,
  closedError,
  isClearable,
  isKeyIterable,
  isLockable,
  isTtlInspectable,
  type Lock,
  normalizeLockOptions,
  normalizeRequiredTtl,
  type TimeoutOperation,
  toBackendError,
} from '@cachestack/core';
import type { Tier } from './tier.js';
import { clearThrough, refreshThrough } from './tier-writes.js';
import type { TieredContext } from './tiered-context.js';
import type { TieredOperationRunner } from './tiered-operation-runner.js';

/**
 * The optional capabilities of a tiered backend, each present only when the
 * tiers can honour it. Internal to the package (the class declares them).
 */
export interface TieredCapabilities {
  getTtl?: (key: string) => Promise<number | undefined>;
  refreshTtl?: (key: string, ttlMs: number) => Promise<boolean>;
  acquireLock?: (key: string, options: AcquireLockOptions) => Promise<Lock | undefined>;
  clear?: () => Promise<void>;
  keys?: (prefix?: string) => AsyncIterable<string>;
}

/**
 * The capabilities the tiers can honour, as functions to install as own
 * properties: `getTtl`/`refreshTtl` when the authoritative tier is
 * TTL-inspectable, `acquireLock` when it is lockable (delegated to it),
 * `clear` when every tier is clearable, `keys` when the authoritative tier
 * is key-iterable.
 * @param backendType - named in the `CLOSED` error of `keys`.
 */
export function tieredCapabilities(
  backendType: string,
  runner: TieredOperationRunner,
  context: TieredContext,
): TieredCapabilities {
  const capabilities: TieredCapabilities = {};
  const lastTier = context.tiers[context.tiers.length - 1] as Tier;
  const last = lastTier.backend;
  if (isTtlInspectable(last)) {
    capabilities.getTtl = (key) =>
      onAuthoritative(
        runner,
        lastTier,
        'getTtl',
        key,
        () => assertValidKey(key, 'getTtl'),
        () => last.getTtl(key),
      );
    capabilities.refreshTtl = (key, ttlMs) =>
      runner.traced('refreshTtl', key, undefined, () => {
        assertValidKey(key, 'refreshTtl');
        const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
        return runner.guarded('refreshTtl', key, () => refreshThrough(context, key, ttl));
      });
  }
  if (isLockable(last)) {
    capabilities.acquireLock = (key, options) =>
      onAuthoritative(
        runner,
        lastTier,
        'acquireLock',
        key,
        () => {
          assertValidKey(key, 'acquireLock');
          normalizeLockOptions(options, key);
        },
        () => last.acquireLock(key, options),
      );
  }
  if (context.tiers.every((tier) => isClearable(tier.backend))) {
    capabilities.clear = () => runner.run('clear', undefined, () => clearThrough(context));
  }
  if (isKeyIterable(last)) {
    const list = last.keys.bind(last);
    capabilities.keys = (prefix) => listKeys(backendType, runner, lastTier, list, prefix);
  }
  return capabilities;
}

/** Runs `call` on the authoritative tier through its breaker; rejects with its error. */
function onAuthoritative<T>(
  runner: TieredOperationRunner,
  last: Tier,
  operation: TimeoutOperation,
  key: string,
  check: () => void,
  call: () => Promise<T>,
): Promise<T> {
  return runner.traced(operation, key, undefined, () => {
    check();
    return runner.guarded(operation, key, async () => {
      const result = await last.attempt(operation, key, call);
      if (!result.ok) throw result.error;
      return result.value;
    });
  });
}

/** The authoritative tier's live keys; a failure counts against its breaker. */
async function* listKeys(
  backendType: string,
  runner: TieredOperationRunner,
  last: Tier,
  list: (prefix?: string) => AsyncIterable<string>,
  prefix: string | undefined,
): AsyncGenerator<string> {
  assertValidPrefix(prefix);
  if (runner.closed) throw closedError('keys', backendType);
  try {
    for await (const key of list(prefix)) yield key;
  } catch (error) {
    const failure = toBackendError(error, 'keys');
    last.breaker.onFailure(failure);
    throw failure;
  }
}
