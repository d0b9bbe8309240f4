import { describe, expect, it } from 'vitest';
import { OperationTimeouts, resolveTimeoutsOption, TIMEOUT_OPERATIONS } from '../src/index.js';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('resolveTimeoutsOption', () => {
  it('treats undefined as no limits', () => {
    expect(resolveTimeoutsOption(undefined, 'X')).toEqual({});
  });

  it('keeps valid limits, drops undefined entries and returns a new map', () => {
    const given = { get: 10, '*': 2.5, set: undefined };
    const resolved = resolveTimeoutsOption(given, 'X');
    expect(resolved).toEqual({ get: 10, '*': 2.5 });
    expect(Object.keys(resolved)).toEqual(['get', '*']);
    expect(resolved).not.toBe(given);
    expect(new OperationTimeouts(resolved).limitFor('get')).toBe(2.5);
  });

  it('accepts every operation name', () => {
    const all = Object.fromEntries([...TIMEOUT_OPERATIONS].map((name) => [name, 1]));
    expect(resolveTimeoutsOption(all, 'X')).toEqual(all);
  });

  it.each([
    [5, '5'],
    ['5', '"5"'],
    [null, 'null'],
    [[1], '1'],
    [Symbol('s'), 'Symbol(s)'],
  ])('rejects the non-object %s with a TypeError naming "timeouts"', (value, shown) => {
    const error = thrown(() => resolveTimeoutsOption(value, 'FooBackend'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe(
      `FooBackend: option "timeouts" must be an object of ms per operation name or '*', got ${shown}`,
    );
  });

  it.each([
    [0, '0'],
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['10', '"10"'],
    [null, 'null'],
    [Object.create(null), 'object'],
  ])('rejects the limit %s with a TypeError naming the entry', (limit, shown) => {
    const error = thrown(() => resolveTimeoutsOption({ set: 1, get: limit }, 'FooBackend'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe(
      `FooBackend: option "timeouts.get" must be a finite number of ms > 0, got ${shown}`,
    );
  });

  it('rejects an unknown operation, listing the known ones', () => {
    const error = thrown(() => resolveTimeoutsOption({ gett: 5 }, 'FooBackend'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe(
      `FooBackend: option "timeouts.gett" is not an operation; expected one of ${[...TIMEOUT_OPERATIONS].join(', ')}`,
    );
    expect((error as TypeError).message).toContain('get, set, delete');
    expect((error as TypeError).message).toContain('healthCheck, *');
  });
});
