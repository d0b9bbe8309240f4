import { describeValue } from '../assertions.js';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (Array.isArray(value)) return 'Array';
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  if (prototype === null || prototype === Object.prototype) return 'Object';
  return prototype.constructor?.name ?? 'object';
}

function ownKeys(value: object): string[] {
  return Object.keys(value).sort();
}

/**
 * Compares two values strictly, as a serializer round trip must keep them:
 * `Object.is` for primitives (so `-0` ≠ `0`, `NaN` = `NaN`), the same kind
 * (a `Buffer` is not a `Uint8Array`, an `Int16Array` not an array), Dates by
 * time, Maps and Sets by their entries in order, arrays with their holes,
 * objects by their own enumerable keys (an `undefined` property must still
 * be there).
 * @returns `undefined` when equal, else where and how they differ.
 */
export function firstDifference(
  expected: unknown,
  actual: unknown,
  path = '$',
): string | undefined {
  if (Object.is(expected, actual)) return undefined;
  const expectedKind = kindOf(expected);
  const actualKind = kindOf(actual);
  if (expectedKind !== actualKind) {
    return `${path}: expected a ${expectedKind}, got ${describeValue(actual)} (${actualKind})`;
  }
  if (
    typeof expected !== 'object' ||
    expected === null ||
    typeof actual !== 'object' ||
    actual === null
  ) {
    return `${path}: expected ${describeValue(expected)}, got ${describeValue(actual)}`;
  }
  if (expected instanceof Date && actual instanceof Date) {
    return Object.is(expected.getTime(), actual.getTime())
      ? undefined
      : `${path}: expected the Date ${expected.getTime()}, got ${actual.getTime()}`;
  }
  if (expected instanceof Map && actual instanceof Map) {
    return sequenceDifference([...expected], [...actual], `${path}<Map>`);
  }
  if (expected instanceof Set && actual instanceof Set) {
    return sequenceDifference([...expected], [...actual], `${path}<Set>`);
  }
  if (ArrayBuffer.isView(expected) && ArrayBuffer.isView(actual)) {
    const left = expected as unknown as ArrayLike<unknown>;
    const right = actual as unknown as ArrayLike<unknown>;
    return sequenceDifference(Array.from(left), Array.from(right), path);
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `${path}: expected length ${expected.length}, got ${actual.length}`;
    }
    for (let index = 0; index < expected.length; index++) {
      const hole = !(index in expected);
      if (hole !== !(index in actual)) {
        return `${path}[${index}]: expected ${hole ? 'a hole' : 'an element'}, got ${hole ? 'an element' : 'a hole'}`;
      }
      const difference = firstDifference(expected[index], actual[index], `${path}[${index}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  const expectedKeys = ownKeys(expected);
  const actualKeys = ownKeys(actual);
  if (expectedKeys.join('\u0001') !== actualKeys.join('\u0001')) {
    return `${path}: expected the own keys ${JSON.stringify(expectedKeys)}, got ${JSON.stringify(actualKeys)}`;
  }
  for (const key of expectedKeys) {
    const difference = firstDifference(
      (expected as Record<string, unknown>)[key],
      (actual as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (difference !== undefined) return difference;
  }
  return undefined;
}

function sequenceDifference(
  expected: unknown[],
  actual: unknown[],
  path: string,
): string | undefined {
  if (expected.length !== actual.length) {
    return `${path}: expected ${expected.length} elements, got ${actual.length}`;
  }
  for (let index = 0; index < expected.length; index++) {
    const difference = firstDifference(expected[index], actual[index], `${path}[${index}]`);
    if (difference !== undefined) return difference;
  }
  return undefined;
}
