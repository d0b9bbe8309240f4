import { assertKnownOptions, type BaseBackend, isBackendError, type Lock } from '@cachestack/core';
import { callBounded, isTimeout, type Outcome } from './bounded-call.js';
import {
  checkKeys,
  checkPresence,
  checkRead,
  checkTtl,
  isModelKey,
  keysNamedBy,
} from './model-checks.js';
import { describeOperation, type Operation } from './operations.js';
import { ReferenceModel } from './reference-model.js';
import {
  classify,
  describeReason,
  describeResult,
  Mismatch,
  type Violation,
  type ViolationKind,
} from './violations.js';

export type { Violation, ViolationKind } from './violations.js';

/** Counters of one sequence run. */
export interface SequenceStats {
  /** Calls made, including verification reads after rejected calls. */
  calls: number;
  /** Invalid calls rejected with the expected code. */
  rejectedInvalid: number;
  /**
   * Valid calls that rejected with a `TIMEOUT` (a wrapper's own limit on a
   * loaded machine): inconclusive, not violations; the keys they named are
   * unknown to the model until written again.
   */
  timedOut: number;
  /** Calls of the sequence that resolved. */
  resolved: number;
  /** Calls of the sequence that rejected, by `type/code` (`raw <name>` for anything but a `BackendError`). */
  rejections: Record<string, number>;
  /** Violations by kind (every one, not just the first). */
  violations: Partial<Record<ViolationKind, number>>;
}

/** Options of {@link runSequence}. */
export interface RunSequenceOptions {
  /** Clock slack around expiry windows, in ms. @default 40 */
  marginMs?: number | undefined;
  /** A call that takes longer is a `hang` violation, in ms. @default 15000 */
  callTimeoutMs?: number | undefined;
  /** Stop at the first violation (for shrinking). @default true */
  stopAtFirst?: boolean | undefined;
}

/** Every option name of {@link RunSequenceOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  marginMs: true,
  callTimeoutMs: true,
  stopAtFirst: true,
} satisfies Record<keyof RunSequenceOptions, true>);

/** The result of {@link runSequence}. */
export interface SequenceResult {
  /** The first violation, if any. */
  violation: Violation | undefined;
  /** The first violation of each kind. */
  firstByKind: Map<ViolationKind, Violation>;
  /** Every violation, in order. */
  all: Violation[];
  stats: SequenceStats;
}

/**
 * Runs `operations` against `backend` in order, checking every call: only
 * classified `BackendError`s (never UNKNOWN), every invalid input rejected
 * with its code and without changing the store, and every valid call's
 * result as the reference model (`ReferenceModel`) expects (expiry within a clock
 * margin). `backend` must be empty; it is left open (locks released).
 */
export async function runSequence(
  instances: { backend: BaseBackend; peer?: BaseBackend | undefined },
  operations: readonly Operation[],
  options: RunSequenceOptions = {},
): Promise<SequenceResult> {
  assertKnownOptions(options, OPTION_NAMES, 'runSequence');
  const model = new ReferenceModel(options.marginMs ?? 40);
  const callTimeoutMs = options.callTimeoutMs ?? 15_000;
  const stats: SequenceStats = {
    calls: 0,
    rejectedInvalid: 0,
    timedOut: 0,
    resolved: 0,
    rejections: {},
    violations: {},
  };
  const all: Violation[] = [];
  /** Keys whose lock may be held by a call that timed out. */
  const uncertainLocks = new Set<string>();
  type Methods = Record<string, (...args: unknown[]) => unknown>;
  const { backend } = instances;
  const peer = instances.peer ?? backend;
  let first: Violation | undefined;
  const firstByKind = new Map<ViolationKind, Violation>();
  let sets = 0;

  const call = (name: string, args: unknown[], onPeer = false): Promise<Outcome> =>
    callOn((onPeer ? peer : backend) as unknown as Methods, name, args);

  /** Calls `target[name](...args)`, counted and bounded by `callTimeoutMs` (see {@link callBounded}). */
  const callOn = (target: Methods, name: string, args: unknown[]): Promise<Outcome> => {
    stats.calls++;
    return callBounded(target, name, args, callTimeoutMs);
  };

  /** Makes the call an operation stands for (a lock's `extend`, a `get` inside `withTimeout`). */
  const dispatch = (operation: Operation): Promise<Outcome | undefined> => {
    if (operation.kind === 'extendLock') {
      const lock = model.locks.get(operation.args[0] as string);
      if (lock === undefined) return Promise.resolve(undefined); // its acquisition broke a rule
      return callOn(lock as unknown as Methods, 'extend', [operation.args[1]]);
    }
    if (operation.kind === 'withTimeout') {
      const [kind, timeoutMs, key] = operation.args;
      const target = operation.onPeer ? peer : backend;
      return call(
        'withTimeout',
        [kind, timeoutMs, () => target.get(key as string)],
        operation.onPeer,
      );
    }
    return call(operation.kind, operation.args, operation.onPeer);
  };

  /** After a rejected call: the keys it named must read exactly as before. */
  const verifyUnchanged = async (keys: unknown[]) => {
    for (const key of new Set(keys.filter(isModelKey))) {
      const started = Date.now();
      const read = await call('get', [key]);
      const ended = Date.now();
      if (!read.ok && isTimeout(read.reason)) {
        stats.timedOut++;
        continue;
      }
      if (!read.ok) {
        throw (
          classify(read.reason, 'get') ??
          new Mismatch(
            'changed-on-reject',
            `verification get(${JSON.stringify(key).slice(0, 30)}) rejected: ${describeReason(read.reason)}`,
          )
        );
      }
      try {
        checkRead(
          model,
          key,
          read.value,
          started,
          ended,
          `after the rejected call, get(${JSON.stringify(key).slice(0, 30)})`,
        );
      } catch (error) {
        if (error instanceof Mismatch) throw new Mismatch('changed-on-reject', error.message);
        throw error;
      }
    }
  };

  const releaseHeld = async (key: string, expectTrue: boolean) => {
    const lock = model.locks.get(key);
    if (lock === undefined) return;
    model.locks.delete(key);
    stats.calls++;
    const released = await lock.release().then(
      (value) => ({ ok: true as const, value }),
      (reason: unknown) => ({ ok: false as const, reason }),
    );
    if (!released.ok && isTimeout(released.reason)) {
      stats.timedOut++;
      uncertainLocks.add(key);
      return;
    }
    if (!released.ok) {
      throw (
        classify(released.reason, 'lock.release') ??
        new Mismatch(
          'unexpected-rejection',
          `lock.release() rejected: ${describeReason(released.reason)}`,
        )
      );
    }
    if (typeof released.value !== 'boolean' || (expectTrue && released.value !== true)) {
      throw new Mismatch(
        'model-mismatch',
        `lock.release(): expected true for a held lock, got ${String(released.value)}`,
      );
    }
  };

  const step = async (operation: Operation) => {
    if (operation.kind === 'sleep') {
      await new Promise((resolve) => setTimeout(resolve, operation.args[0] as number));
      return;
    }
    if (operation.kind === 'releaseLock') {
      await releaseHeld(operation.args[0] as string, true);
      return;
    }
    const started = Date.now();
    const outcome = await dispatch(operation);
    const ended = Date.now();
    if (outcome === undefined) return;
    if (outcome.ok) stats.resolved++;
    else {
      const label = isBackendError(outcome.reason)
        ? `${outcome.reason.type}/${outcome.reason.code}`
        : `raw ${outcome.reason instanceof Error ? outcome.reason.name : typeof outcome.reason}`;
      stats.rejections[label] = (stats.rejections[label] ?? 0) + 1;
    }
    if (!outcome.ok) {
      if (outcome.sync)
        throw new Mismatch(
          'unclassified',
          `${operation.kind} threw synchronously instead of rejecting: ${describeReason(outcome.reason)}`,
        );
      const problem = classify(outcome.reason, operation.kind);
      if (problem !== undefined) throw problem;
      const error = outcome.reason as { code: string; type: string };
      if (operation.expect === undefined && isTimeout(outcome.reason)) {
        stats.timedOut++;
        model.forget(keysNamedBy(operation).filter(isModelKey));
        if (operation.kind === 'clear') model.forget(model.keys());
        if (operation.kind === 'acquireLock') uncertainLocks.add(operation.args[0] as string);
        return;
      }
      if (operation.expect === undefined)
        throw new Mismatch(
          'unexpected-rejection',
          `a valid call rejected: ${describeReason(outcome.reason)}`,
        );
      if (!operation.expect.includes(error.code) || error.type !== 'PERMANENT') {
        throw new Mismatch(
          'wrong-code',
          `expected PERMANENT ${operation.expect.join(' or ')}, got ${error.type} ${error.code}`,
        );
      }
      stats.rejectedInvalid++;
      await verifyUnchanged(keysNamedBy(operation));
      return;
    }
    if (operation.expect !== undefined) {
      throw new Mismatch(
        'accepted-invalid',
        `an invalid call was accepted (expected ${operation.expect.join(' or ')}); it resolved ${describeResult(outcome.value)}`,
      );
    }
    await applyAndCheck(operation, outcome.value, started, ended);
    if (operation.kind === 'set' && ++sets % 4 === 0) await checkNotAliased(operation);
  };

  /** The stored bytes must not change when the caller later changes its array. */
  const checkNotAliased = async (operation: Operation) => {
    const [key, value] = operation.args as [string, Uint8Array];
    if (value.byteLength === 0) return;
    value[0] = (value[0] ?? 0) ^ 0xff;
    try {
      const started = Date.now();
      const read = await call('get', [key]);
      const ended = Date.now();
      if (!read.ok && isTimeout(read.reason)) {
        stats.timedOut++;
        return;
      }
      if (!read.ok)
        throw (
          classify(read.reason, 'get') ??
          new Mismatch(
            'unexpected-rejection',
            `get after set rejected: ${describeReason(read.reason)}`,
          )
        );
      checkRead(
        model,
        key,
        read.value,
        started,
        ended,
        'get after the caller changed the array it passed to set',
      );
    } finally {
      value[0] = (value[0] ?? 0) ^ 0xff;
    }
  };

  const applyAndCheck = async (
    operation: Operation,
    actual: unknown,
    started: number,
    ended: number,
  ) => {
    const [first, second, third] = operation.args as [unknown, unknown, unknown];
    const key = first as string;
    switch (operation.kind) {
      case 'set':
        model.set(key, second as Uint8Array, third as number | undefined, started, ended);
        return;
      case 'setMany':
        for (const entry of first as { key: string; value: Uint8Array; ttlMs?: number }[]) {
          model.set(entry.key, entry.value, entry.ttlMs, started, ended);
        }
        return;
      case 'get':
        checkRead(model, key, actual, started, ended, 'get');
        return;
      case 'exists':
        checkPresence(model, key, actual, started, ended, 'exists');
        return;
      case 'delete':
        checkPresence(model, key, actual, started, ended, 'delete');
        model.delete(key);
        return;
      case 'getTtl':
        checkTtl(model, key, actual, started, ended);
        return;
      case 'refreshTtl':
        if (checkPresence(model, key, actual, started, ended, 'refreshTtl')) {
          model.refresh(key, second as number, started, ended);
        }
        return;
      case 'getMany': {
        const keys = first as string[];
        if (!Array.isArray(actual) || actual.length !== keys.length) {
          throw new Mismatch(
            'model-mismatch',
            `getMany: expected ${keys.length} results, got ${describeResult(actual)}`,
          );
        }
        for (const [i, k] of keys.entries())
          checkRead(model, k, actual[i], started, ended, `getMany[${i}]`);
        return;
      }
      case 'deleteMany': {
        let low = 0;
        let high = 0;
        for (const k of new Set(first as string[])) {
          const state = model.state(k, started, ended).kind;
          if (state === 'present') low++;
          if (state !== 'absent') high++;
          model.delete(k);
        }
        if (typeof actual !== 'number' || actual < low || actual > high) {
          throw new Mismatch(
            'model-mismatch',
            `deleteMany: expected a count in [${low}, ${high}], got ${describeResult(actual)}`,
          );
        }
        return;
      }
      case 'keys':
        checkKeys(model, (first as string | undefined) ?? '', actual as string[], started, ended);
        return;
      case 'clear':
        model.clear();
        return;
      case 'acquireLock':
        await checkLock(operation, key, actual);
        return;
      case 'extendLock':
        if (model.locks.has(key) && actual !== true) {
          throw new Mismatch(
            'model-mismatch',
            `lock.extend(): expected true for a held lock, got ${describeResult(actual)}`,
          );
        }
        return;
      case 'withTimeout':
        checkRead(model, third as string, actual, started, ended, 'withTimeout(get)');
        return;
      case 'healthCheck': {
        const health = actual as { healthy?: unknown; error?: unknown } | undefined;
        if (health?.healthy !== true)
          throw new Mismatch(
            'health',
            `healthCheck reported unhealthy on a working store: ${String(health?.error)}`,
          );
        return;
      }
    }
  };

  const checkLock = async (operation: Operation, key: string, actual: unknown) => {
    if (model.locks.has(key)) {
      if (actual !== undefined)
        throw new Mismatch('model-mismatch', 'acquireLock: a held lock was granted again');
      return;
    }
    const lock = actual as Lock | undefined;
    const { ttlMs } = (operation.args[1] ?? {}) as { ttlMs: number };
    // A lock shorter than a second may expire before the call returns.
    if (lock === undefined && (ttlMs < 1_000 || uncertainLocks.has(key))) return;
    if (lock === undefined || lock.key !== key || typeof lock.release !== 'function') {
      throw new Mismatch(
        'model-mismatch',
        `acquireLock: expected a Lock on a free key, got ${String(actual)}`,
      );
    }
    model.locks.set(key, lock);
    if (!operation.hold) await releaseHeld(key, ttlMs >= 1_000);
  };

  for (const [index, operation] of operations.entries()) {
    try {
      await step(operation);
    } catch (error) {
      if (!(error instanceof Mismatch)) throw error;
      stats.violations[error.kind] = (stats.violations[error.kind] ?? 0) + 1;
      if (
        ['accepted-invalid', 'changed-on-reject', 'unexpected-rejection', 'hang'].includes(
          error.kind,
        )
      ) {
        model.forget(keysNamedBy(operation).filter(isModelKey));
      }
      const violation = {
        kind: error.kind,
        index,
        operation,
        message: `${describeOperation(operation)}: ${error.message}`,
      };
      all.push(violation);
      first ??= violation;
      if (!firstByKind.has(error.kind)) firstByKind.set(error.kind, violation);
      if (options.stopAtFirst ?? true) break;
    }
  }
  for (const lock of model.locks.values()) await lock.release().catch(() => undefined);
  model.locks.clear();
  return { violation: first, firstByKind, all, stats };
}
