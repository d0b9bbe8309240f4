import type { BaseBackend } from '@cachestack/core';
import { describeError, describeValue } from '../assertions.js';

/** A key whose value the model cannot predict (a short TTL, or a call that broke a rule). */
const UNCERTAIN = Symbol('uncertain');

type Slot = Uint8Array | typeof UNCERTAIN;

function sameBytes(actual: unknown, expected: Uint8Array): boolean {
  if (!(actual instanceof Uint8Array) || actual.byteLength !== expected.byteLength) return false;
  for (let index = 0; index < expected.byteLength; index++) {
    if (actual[index] !== expected[index]) return false;
  }
  return true;
}

function bytesText(value: unknown): string {
  if (value === undefined) return 'undefined (a miss)';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  return describeValue(value);
}

/**
 * What a fuzzed namespace holds, as far as the calls so far tell: a key is
 * absent, holds known bytes, or is uncertain. Checks each resolved result
 * against it and reads keys back after a rejected call.
 * @internal
 */
export class FuzzModel {
  readonly #backend: BaseBackend;
  readonly #slots = new Map<string, Slot>();

  constructor(backend: BaseBackend) {
    this.#backend = backend;
  }

  /** Stops predicting `keys`. */
  forget(keys: readonly string[]): void {
    for (const key of keys) this.#slots.set(key, UNCERTAIN);
  }

  applySet(key: string, value: Uint8Array, long: boolean): void {
    this.#slots.set(key, long ? value : UNCERTAIN);
  }

  applyClear(): void {
    this.#slots.clear();
  }

  applyDelete(key: string, result: unknown): string | undefined {
    const slot = this.#slots.get(key);
    this.#slots.delete(key);
    if (slot === UNCERTAIN)
      return typeof result === 'boolean' ? undefined : 'delete must resolve a boolean';
    const expected = slot !== undefined;
    return result === expected ? undefined : `delete must resolve ${expected}`;
  }

  applyRefresh(key: string, result: unknown, long: boolean): string | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      return result === false ? undefined : 'refreshTtl of a missing key must resolve false';
    }
    if (!long) this.#slots.set(key, UNCERTAIN);
    if (slot === UNCERTAIN)
      return typeof result === 'boolean' ? undefined : 'refreshTtl must resolve a boolean';
    return result === true ? undefined : 'refreshTtl of a live key must resolve true';
  }

  applyDeleteMany(keys: readonly string[], result: unknown): string | undefined {
    let expected = 0;
    let certain = true;
    for (const key of new Set(keys)) {
      const slot = this.#slots.get(key);
      if (slot === UNCERTAIN) certain = false;
      else if (slot !== undefined) expected++;
      this.#slots.delete(key);
    }
    if (typeof result !== 'number') return 'deleteMany must resolve a number';
    return !certain || result === expected
      ? undefined
      : `deleteMany must resolve how many existed (${expected})`;
  }

  checkValue(key: string, result: unknown, operation: string): string | undefined {
    const slot = this.#slots.get(key);
    if (slot === UNCERTAIN) return undefined;
    if (slot === undefined) {
      return result === undefined
        ? undefined
        : `${operation} of a missing key must resolve undefined`;
    }
    return sameBytes(result, slot)
      ? undefined
      : `${operation} must resolve the stored bytes (${slot.byteLength} bytes)`;
  }

  checkExists(key: string, result: unknown): string | undefined {
    const slot = this.#slots.get(key);
    if (slot === UNCERTAIN) return undefined;
    return result === (slot !== undefined)
      ? undefined
      : `exists must resolve ${slot !== undefined}`;
  }

  checkTtl(key: string, result: unknown): string | undefined {
    const slot = this.#slots.get(key);
    if (slot === UNCERTAIN) return undefined;
    if (slot === undefined) {
      return result === undefined ? undefined : 'getTtl of a missing key must resolve undefined';
    }
    return typeof result === 'number' && result > 0
      ? undefined
      : 'getTtl of a live key must resolve ms > 0 or Infinity';
  }

  checkMany(keys: readonly string[], result: unknown): string | undefined {
    if (!Array.isArray(result) || result.length !== keys.length) {
      return 'getMany must resolve one entry per key';
    }
    for (const [index, key] of keys.entries()) {
      const problem = this.checkValue(key, result[index], `getMany[${index}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  checkKeys(prefix: string | undefined, listed: unknown): string | undefined {
    const keys = listed as unknown[];
    const seen = new Set<unknown>(keys);
    if (seen.size !== keys.length) return 'keys() must yield each key once';
    for (const key of keys) {
      if (typeof key !== 'string') return 'keys() must yield strings';
      if (prefix !== undefined && !key.startsWith(prefix))
        return 'keys(prefix) yielded a key without the prefix';
      if (!this.#slots.has(key))
        return `keys() yielded ${JSON.stringify(key)}, which was never stored or is gone`;
    }
    for (const [key, slot] of this.#slots) {
      if (slot === UNCERTAIN || (prefix !== undefined && !key.startsWith(prefix))) continue;
      if (!seen.has(key)) return `keys() must list the live key ${JSON.stringify(key)}`;
    }
    return undefined;
  }

  /** Reads `keys` back; describes the first that differs from the model, or `undefined`. */
  async findChanged(keys: readonly string[]): Promise<string | undefined> {
    for (const key of new Set(keys)) {
      const slot = this.#slots.get(key);
      if (slot === UNCERTAIN) continue;
      let actual: unknown;
      try {
        actual = await this.#backend.get(key);
      } catch (error) {
        return `reading ${JSON.stringify(key.slice(0, 40))} back failed: ${describeError(error)}`;
      }
      const expected = slot === undefined ? undefined : slot;
      const same = expected === undefined ? actual === undefined : sameBytes(actual, expected);
      if (!same) {
        this.#slots.set(key, UNCERTAIN);
        return `${JSON.stringify(key.slice(0, 40))} now reads ${bytesText(actual)}, expected ${bytesText(expected)}`;
      }
    }
    return undefined;
  }
}
