import {
  BackendError,
  BackendErrorType,
  isBackendError,
  isLockable,
  type Lock,
  type OperationTraceContext,
  toBackendError,
} from '@cachestack/core';
import type { CacheCore } from './cache-core.js';
import type { StaleReason } from './cache-events.js';
import type { LockTimeoutPolicy } from './cache-options.js';
import type { ReadResult } from './entry-reader.js';
import { createLoaderContext, type LoaderContext } from './loader-context.js';

/** getOrSet options after validation and defaults. @internal */
export interface ResolvedGetOrSetOptions {
  ttlMs: number | undefined;
  graceMs: number;
  loaderTimeoutMs: number | undefined;
  lockTtlMs: number;
  lockWaitMs: number;
  onLockTimeout: LockTimeoutPolicy;
  lock: boolean;
  /** Validated, deduplicated tags from the options. */
  tags: string[];
}

/** The loader as getOrSet calls it. @internal */
export type Loader = (context: LoaderContext) => unknown;

/** A load in progress for one store key, shared by every caller in this process. */
interface Flight {
  promise: Promise<unknown>;
  /** Callers waiting without a stale value: they will receive a failure. */
  exposedWaiters: number;
  /** Set when the failure came from the loader (not the backend). */
  loaderFailed: boolean;
  /** Set when the loader was called (false: the value was found after waiting for a lock). */
  loaderRan: boolean;
  /** ms spent waiting for another process's lock, when the first try did not get it. */
  lockWaitMs: number | undefined;
}

const OPERATION = 'getOrSet';

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Log fields naming an error without its message (which may quote data). */
function errorFields(error: unknown): Record<string, unknown> {
  if (isBackendError(error)) return { errorType: error.type, errorCode: error.code };
  return { errorName: error instanceof Error ? error.name : typeof error };
}

async function acquire(
  core: CacheCore,
  storeKey: string,
  options: ResolvedGetOrSetOptions,
  flight: Flight,
): Promise<{ lock: Lock | undefined; waited: boolean }> {
  const backend = core.settings.backend;
  if (!options.lock || !isLockable(backend)) return { lock: undefined, waited: false };
  try {
    const immediate = await backend.acquireLock(storeKey, { ttlMs: options.lockTtlMs, waitMs: 0 });
    if (immediate !== undefined || options.lockWaitMs === 0) {
      return { lock: immediate, waited: immediate === undefined };
    }
    const started = performance.now();
    const lock = await backend.acquireLock(storeKey, {
      ttlMs: options.lockTtlMs,
      waitMs: options.lockWaitMs,
    });
    flight.lockWaitMs = performance.now() - started;
    return { lock, waited: true };
  } catch (error) {
    const classified = toBackendError(error, 'acquireLock', storeKey);
    core.report(classified, 'acquireLock', storeKey, core.settings.failOpen);
    if (!core.settings.failOpen) throw classified;
    core.log(
      'warn',
      { key: storeKey, ...errorFields(classified) },
      'could not take the load lock (fail-open): loading without it',
    );
    return { lock: undefined, waited: false };
  }
}

function keepExtended(core: CacheCore, lock: Lock, ttlMs: number): () => void {
  const timer = setInterval(
    () => {
      lock.extend(ttlMs).catch((error: unknown) => {
        const classified = toBackendError(error, 'extendLock', lock.key);
        core.report(classified, 'extendLock', lock.key, true);
        core.log(
          'warn',
          { key: lock.key, ...errorFields(classified) },
          'could not extend the load lock: another process may load the same key',
        );
      });
    },
    Math.max(1, Math.floor(ttlMs / 2)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

async function refresh(
  core: CacheCore,
  key: string,
  storeKey: string,
  loader: Loader,
  options: ResolvedGetOrSetOptions,
  flight: Flight,
): Promise<unknown> {
  const { lock, waited } = await acquire(core, storeKey, options, flight);
  try {
    if (lock !== undefined || waited) {
      // Another process may have stored the value while we took or waited for the lock.
      const again = await core.reader.read(storeKey, OPERATION);
      if (again.state === 'fresh') {
        if (waited) core.stats.stampedesAvoided++;
        return again.value;
      }
      if (lock === undefined && options.onLockTimeout === 'throw') {
        throw new BackendError({
          type: BackendErrorType.TIMEOUT,
          code: 'LOCK_TIMEOUT',
          message: `another process held the load lock for more than ${options.lockWaitMs} ms and the value is still missing`,
          operation: OPERATION,
          key: storeKey,
        });
      }
      if (lock === undefined) {
        core.log(
          'warn',
          { key: storeKey, lockWaitMs: options.lockWaitMs },
          'another process held the load lock longer than lockWaitMs: loading anyway',
        );
      }
    }
    // Tag versions are read BEFORE the loader runs: an invalidation during the
    // load makes the stored entry stale on arrival.
    const optionStamps = await core.observeTags(options.tags, storeKey, OPERATION);
    core.stats.loaderCalls++;
    flight.loaderRan = true;
    const stopExtending =
      lock === undefined ? undefined : keepExtended(core, lock, options.lockTtlMs);
    const context = createLoaderContext(core, key, storeKey);
    let value: unknown;
    try {
      value = await loader(context.api);
    } catch (error) {
      flight.loaderFailed = true;
      core.report(asError(error), 'loader', storeKey, flight.exposedWaiters === 0);
      throw error;
    } finally {
      stopExtending?.();
      context.close();
    }
    if (value === undefined) return undefined;
    const loaderStamps = await context.stamps(options.tags);
    if (optionStamps === undefined || loaderStamps === undefined) return value;
    const ttlMs = context.ttlMs ?? options.ttlMs;
    const encoded = core.encode(value, storeKey, OPERATION, ttlMs, options.graceMs, [
      ...optionStamps,
      ...loaderStamps,
    ]);
    try {
      await core.write(storeKey, () => core.setEncoded(storeKey, encoded));
      core.emitSet(key, storeKey, ttlMs);
    } catch (error) {
      const classified = toBackendError(error, 'set', storeKey);
      core.report(classified, 'set', storeKey, core.settings.failOpen);
      if (!core.settings.failOpen) throw classified;
    }
    return value;
  } finally {
    if (lock !== undefined) {
      lock.release().catch((error: unknown) => {
        const classified = toBackendError(error, 'releaseLock', storeKey);
        core.report(classified, 'releaseLock', storeKey, true);
        core.log(
          'warn',
          { key: storeKey, ...errorFields(classified) },
          'could not release the load lock: it expires after lockTtlMs',
        );
      });
    }
  }
}

function startFlight(
  core: CacheCore,
  key: string,
  storeKey: string,
  loader: Loader,
  options: ResolvedGetOrSetOptions,
): Flight {
  const flight: Flight = {
    promise: Promise.resolve(),
    exposedWaiters: 0,
    loaderFailed: false,
    loaderRan: false,
    lockWaitMs: undefined,
  };
  flight.promise = refresh(core, key, storeKey, loader, options, flight);
  const done = (): void => {
    if (core.inflight.get(storeKey) === flight.promise) core.inflight.delete(storeKey);
  };
  flight.promise.then(done, done);
  core.inflight.set(storeKey, flight.promise);
  flights.set(flight.promise, flight);
  core.track(flight.promise);
  return flight;
}

const flights = new WeakMap<Promise<unknown>, Flight>();

function serveStale(
  core: CacheCore,
  key: string,
  storeKey: string,
  stale: Extract<ReadResult, { state: 'stale' }>,
  reason: StaleReason,
  error?: unknown,
): unknown {
  core.stats.staleServed++;
  core.emit('stale', () => ({ key, storeKey, reason }));
  if (reason === 'loader-timeout') {
    core.log('info', { key: storeKey, reason }, 'loader slower than loaderTimeoutMs: served stale');
  } else {
    core.log(
      'warn',
      { key: storeKey, reason, ...errorFields(error) },
      `${reason === 'loader-error' ? 'loader' : 'backend'} failed: served stale`,
    );
  }
  return stale.value;
}

/**
 * Fills a getOrSet trace from the load it waited for: `loaded` when a
 * loader ran, `hit` when the value was found after waiting for a lock;
 * `lockWaitMs` is the starter's wait for another process's lock, or a
 * joiner's wait for the in-process load.
 */
function noteFlight(
  trace: OperationTraceContext,
  flight: Flight,
  started: boolean,
  joinedAt: number,
  outcome?: 'stale',
): void {
  trace.outcome = outcome ?? (flight.loaderRan ? 'loaded' : 'hit');
  trace.loaderRan = started && flight.loaderRan;
  const waited = started ? flight.lockWaitMs : performance.now() - joinedAt;
  if (waited !== undefined) trace.lockWaitMs = waited;
}

/**
 * A getOrSet answered by a fresh value (from the backend or the object
 * tier): counts and emits the hit, fills the trace, returns the value.
 * @internal
 */
export function answerFreshHit(
  core: CacheCore,
  key: string,
  storeKey: string,
  first: ReadResult & { state: 'fresh' },
  trace: OperationTraceContext | undefined,
): unknown {
  core.emitRead(true, key, storeKey, first.objectTier);
  if (trace !== undefined) {
    trace.outcome = 'hit';
    trace.loaderRan = false;
    trace.objectTier = first.objectTier;
  }
  return first.value;
}

/**
 * getOrSet: fresh value, or one load per key per process (and per store,
 * with the backend's lock), with stale serving inside the grace period.
 * `trace`: the operation's trace context, when someone subscribed;
 * `firstRead`: the read of the key the caller started (see
 * `EntryReader.readNow`).
 * @internal
 */
export async function getOrSet(
  core: CacheCore,
  key: string,
  storeKey: string,
  loader: Loader,
  options: ResolvedGetOrSetOptions,
  trace: OperationTraceContext | undefined,
  firstRead: ReadResult | Promise<ReadResult>,
): Promise<unknown> {
  const first = await firstRead;
  if (first.state === 'fresh') return answerFreshHit(core, key, storeKey, first, trace);
  core.emitRead(false, key, storeKey);
  const joined = core.inflight.get(storeKey);
  const started = joined === undefined;
  const joinedAt = trace === undefined ? 0 : performance.now();
  let flight: Flight;
  if (joined !== undefined) {
    core.stats.stampedesAvoided++;
    flight = flights.get(joined) as Flight;
  } else {
    flight = startFlight(core, key, storeKey, loader, options);
  }
  const done = (value: unknown, outcome?: 'stale'): unknown => {
    if (trace !== undefined) noteFlight(trace, flight, started, joinedAt, outcome);
    return value;
  };
  if (first.state !== 'stale') {
    flight.exposedWaiters++;
    try {
      return done(await flight.promise);
    } finally {
      flight.exposedWaiters--;
    }
  }
  const failureReason = (): StaleReason => (flight.loaderFailed ? 'loader-error' : 'backend-error');
  if (options.loaderTimeoutMs === undefined) {
    try {
      return done(await flight.promise);
    } catch (error) {
      return done(serveStale(core, key, storeKey, first, failureReason(), error), 'stale');
    }
  }
  const timeoutMs = options.loaderTimeoutMs;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (produce: () => unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(produce());
    };
    const timer = setTimeout(
      () => settle(() => done(serveStale(core, key, storeKey, first, 'loader-timeout'), 'stale')),
      timeoutMs,
    );
    flight.promise.then(
      (value) => settle(() => done(value)),
      (error: unknown) => {
        if (settled && started) {
          core.log(
            'warn',
            { key: storeKey, ...errorFields(error) },
            'background refresh failed after a stale value was served',
          );
        }
        settle(() => done(serveStale(core, key, storeKey, first, failureReason(), error), 'stale'));
      },
    );
  });
}
