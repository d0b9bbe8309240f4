import { type BackendError, type BackendErrorType, isBackendError } from '@cachestack/core';

/** What {@link expectBackendError} checks on the rejection. Omitted fields are not checked. */
export interface ExpectedBackendError {
  /** The expected {@link BackendErrorType}. */
  type?: BackendErrorType;
  /** The expected `code`, e.g. `INVALID_KEY`. */
  code?: string;
  /** The expected `operation`, e.g. `get`. */
  operation?: string;
  /** The expected `key`. */
  key?: string;
}

/**
 * The error the kit throws when a rule breaks. Its message starts with the
 * rule, so a failing test says which part of the contract was violated.
 */
export class ConformanceViolation extends Error {
  constructor(rule: string, detail: string) {
    super(`${rule} — ${detail}`);
    this.name = 'ConformanceViolation';
  }
}

/** Throws a {@link ConformanceViolation} for `rule` with `detail`. */
export function violation(rule: string, detail: string): never {
  throw new ConformanceViolation(rule, detail);
}

/** A short, readable description of any value, for failure messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (value instanceof Uint8Array) {
    const head = Buffer.from(value.subarray(0, 16)).toString('hex');
    return `${value.constructor.name}(${value.byteLength} bytes: ${head}${value.byteLength > 16 ? '…' : ''})`;
  }
  if (typeof value === 'string') {
    return value.length > 80
      ? `string ${JSON.stringify(value.slice(0, 80))}…`
      : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (Array.isArray(value)) return `array(${value.length})`;
  return (value as object).constructor?.name ?? 'object';
}

/** A readable description of a thrown value, including its BackendError fields. */
export function describeError(error: unknown): string {
  if (isBackendError(error)) {
    return `BackendError type=${error.type} code=${String(error.code)} operation=${String(
      error.operation,
    )} key=${error.key === undefined ? 'undefined' : describeValue(error.key)}: ${error.message}`;
  }
  if (error instanceof Error) return `${error.name} (not a BackendError): ${error.message}`;
  return `a thrown ${describeValue(error)} (not a BackendError)`;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

async function settle(action: Promise<unknown> | (() => unknown), rule: string): Promise<Settled> {
  let pending: unknown;
  if (typeof action === 'function') {
    try {
      pending = action();
    } catch (error) {
      violation(
        rule,
        `the method threw synchronously instead of returning a rejected Promise: ${describeError(error)}`,
      );
    }
  } else {
    pending = action;
  }
  if (
    typeof pending !== 'object' ||
    pending === null ||
    typeof (pending as Promise<unknown>).then !== 'function'
  ) {
    violation(rule, `the method must return a Promise, got ${describeValue(pending)}`);
  }
  try {
    return { ok: true, value: await (pending as Promise<unknown>) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Checks that `action` (a promise, or a function returning one) rejects with
 * a {@link BackendError} matching `expected`. A synchronous throw, a
 * resolution, a non-BackendError or a different type/code fails with `rule`
 * and a description of what actually happened.
 * @returns the BackendError, for further checks.
 */
export async function expectBackendError(
  action: Promise<unknown> | (() => unknown),
  expected: ExpectedBackendError,
  rule: string,
): Promise<BackendError> {
  const result = await settle(action, rule);
  const wanted = `${expected.type ?? 'any type'}${expected.code ? `/${expected.code}` : ''}`;
  if (result.ok) {
    violation(
      rule,
      `expected a rejection with BackendError ${wanted}, but it resolved with ${describeValue(result.value)}`,
    );
  }
  const error = result.error;
  if (!isBackendError(error)) {
    violation(rule, `expected BackendError ${wanted}, got ${describeError(error)}`);
  }
  if (expected.type !== undefined && error.type !== expected.type) {
    violation(rule, `expected error type ${expected.type}, got ${describeError(error)}`);
  }
  if (expected.code !== undefined && error.code !== expected.code) {
    violation(rule, `expected error code ${expected.code}, got ${describeError(error)}`);
  }
  if (expected.operation !== undefined && error.operation !== expected.operation) {
    violation(
      rule,
      `expected the error to name operation "${expected.operation}", got ${describeError(error)}`,
    );
  }
  if (expected.key !== undefined && error.key !== expected.key) {
    violation(
      rule,
      `expected the error to carry key ${describeValue(expected.key)}, got ${describeError(error)}`,
    );
  }
  return error;
}

/**
 * Awaits `action` and returns its value; a rejection fails with `rule` and
 * the error (so an unexpected BackendError is reported with its fields).
 */
export async function expectResolves<T>(
  action: Promise<T> | (() => Promise<T>),
  rule: string,
): Promise<T> {
  const result = await settle(action, rule);
  if (!result.ok)
    violation(rule, `expected it to resolve, but it rejected with ${describeError(result.error)}`);
  return result.value as T;
}

/** Fails with `rule` unless `actual` holds exactly the bytes of `expected`. */
export function expectBytes(actual: unknown, expected: Uint8Array, rule: string): void {
  if (!(actual instanceof Uint8Array)) {
    violation(rule, `expected ${describeValue(expected)}, got ${describeValue(actual)}`);
  }
  if (actual.byteLength !== expected.byteLength) {
    violation(
      rule,
      `expected ${expected.byteLength} bytes, got ${actual.byteLength} (${describeValue(actual)})`,
    );
  }
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)) {
    let at = 0;
    while (at < actual.byteLength && actual[at] === expected[at]) at++;
    violation(
      rule,
      `the bytes differ first at offset ${at}: expected 0x${(expected[at] ?? 0).toString(16)}, got 0x${(actual[at] ?? 0).toString(16)}`,
    );
  }
}

/** Fails with `rule` unless `condition` holds. */
export function check(condition: boolean, rule: string, detail: string): asserts condition {
  if (!condition) violation(rule, detail);
}

/** UTF-8 bytes of `text`, as a Buffer. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Resolves after `ms` ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Casts an invalid input to the type a method expects, to call it the way a JavaScript user could. */
export function loose<T>(value: unknown): T {
  return value as T;
}

/**
 * Settles `promise` or fails with `rule` when it has not settled after `ms` ms
 * (so a hanging backend fails instead of timing out the whole test).
 */
export async function withinMs<T>(promise: Promise<T>, ms: number, rule: string): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), ms);
  });
  try {
    const outcome = await Promise.race([
      promise.then(
        (value): Settled => ({ ok: true, value }),
        (error: unknown): Settled => ({ ok: false, error }),
      ),
      hang,
    ]);
    if (outcome === 'hang') violation(rule, `the call did not settle within ${ms} ms (it hangs)`);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
