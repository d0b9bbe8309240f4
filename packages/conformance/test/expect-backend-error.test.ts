import { BackendError } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import {
  ConformanceViolation,
  type ExpectedBackendError,
  expectBackendError,
} from '../src/index.js';

const invalidKey = () =>
  new BackendError({
    type: 'PERMANENT',
    code: 'INVALID_KEY',
    message: 'bad',
    operation: 'get',
    key: '',
  });

describe('expectBackendError', () => {
  it('returns the matching BackendError', async () => {
    const error = await expectBackendError(
      Promise.reject(invalidKey()),
      { type: 'PERMANENT', code: 'INVALID_KEY', operation: 'get', key: '' },
      'rule',
    );
    expect(error.code).toBe('INVALID_KEY');
  });

  const failures: [string, () => unknown, ExpectedBackendError, string][] = [
    ['a resolution', () => Promise.resolve(1), {}, 'resolved with number 1'],
    [
      'a plain Error',
      () => Promise.reject(new TypeError('boom')),
      {},
      'TypeError (not a BackendError): boom',
    ],
    [
      'a wrong type',
      () => Promise.reject(invalidKey()),
      { type: 'TRANSIENT' },
      'expected error type TRANSIENT',
    ],
    [
      'a wrong code',
      () => Promise.reject(invalidKey()),
      { code: 'INVALID_TTL' },
      'expected error code INVALID_TTL',
    ],
    [
      'a wrong operation',
      () => Promise.reject(invalidKey()),
      { operation: 'set' },
      'operation "set"',
    ],
    ['a wrong key', () => Promise.reject(invalidKey()), { key: 'k' }, 'carry key "k"'],
    [
      'a synchronous throw',
      () => {
        throw invalidKey();
      },
      {},
      'threw synchronously',
    ],
    ['a non-Promise', () => 5, {}, 'must return a Promise'],
  ];
  it.each(failures)(
    'fails on %s, naming the rule and what happened',
    async (_label, action, expected, detail) => {
      const outcome = await expectBackendError(action, expected, 'the rule').catch(
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(ConformanceViolation);
      expect((outcome as Error).message).toMatch(/^the rule — /);
      expect((outcome as Error).message).toContain(detail);
    },
  );
});
