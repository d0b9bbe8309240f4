import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  CapabilityNotAvailableError,
  closedError,
  isBackendError,
  KEY_DISPLAY_LENGTH,
  timeoutError,
} from '../src/index.js';

describe('BackendError', () => {
  it('carries type, code, operation, key and cause', () => {
    const cause = new Error('socket hang up');
    const error = new BackendError({
      type: BackendErrorType.TRANSIENT,
      code: BackendErrorCode.UNAVAILABLE,
      message: 'server gone',
      operation: 'get',
      key: 'user:1',
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('BackendError');
    expect(error.type).toBe('TRANSIENT');
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.operation).toBe('get');
    expect(error.key).toBe('user:1');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('get key "user:1" failed [TRANSIENT UNAVAILABLE]: server gone');
  });

  it('has one is* getter true per type', () => {
    const cases = [
      [BackendErrorType.TRANSIENT, 'isTransient'],
      [BackendErrorType.PERMANENT, 'isPermanent'],
      [BackendErrorType.TIMEOUT, 'isTimeout'],
      [BackendErrorType.AUTHENTICATION, 'isAuthentication'],
    ] as const;
    for (const [type, getter] of cases) {
      const error = new BackendError({ type, code: 'X', message: 'm' });
      for (const [, other] of cases) expect(error[other]).toBe(other === getter);
    }
    const unknown = new BackendError({ type: 'UNKNOWN', code: 'X', message: 'm' });
    expect([unknown.isTransient, unknown.isPermanent, unknown.isTimeout]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('shows long keys truncated in the message but keeps the full key', () => {
    const key = 'k'.repeat(500);
    const error = new BackendError({ type: 'PERMANENT', code: 'X', message: 'm', key });
    expect(error.key).toBe(key);
    expect(error.message).toContain(`"${'k'.repeat(KEY_DISPLAY_LENGTH)}"… (500 chars)`);
    expect(error.message.length).toBeLessThan(200);
  });

  it('is recognised across copies of the package (ESM and CJS builds)', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as typeof import('../src/index.js');
    expect(cjs.BackendError).not.toBe(BackendError);
    const fromCjs = new cjs.BackendError({ type: 'PERMANENT', code: 'X', message: 'm' });
    expect(fromCjs instanceof BackendError).toBe(true);
    expect(isBackendError(fromCjs)).toBe(true);
    expect(new Error('plain') instanceof BackendError).toBe(false);
    expect(isBackendError({ type: 'PERMANENT', code: 'X' })).toBe(false);
  });
});

describe('CapabilityNotAvailableError', () => {
  it('is a permanent BackendError naming the capability', () => {
    const error = new CapabilityNotAvailableError('lock', 'memory');
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toBeInstanceOf(CapabilityNotAvailableError);
    expect(new BackendError({ type: 'PERMANENT', code: 'X', message: 'm' })).not.toBeInstanceOf(
      CapabilityNotAvailableError,
    );
    expect(error.isPermanent).toBe(true);
    expect(error.code).toBe('CAPABILITY_NOT_AVAILABLE');
    expect(error.capability).toBe('lock');
    expect(error.message).toContain('"lock"');
  });
});

describe('error factories', () => {
  it('closedError is PERMANENT CLOSED', () => {
    const error = closedError('set', 'memory', 'a');
    expect([error.type, error.code, error.operation, error.key]).toEqual([
      'PERMANENT',
      'CLOSED',
      'set',
      'a',
    ]);
  });
  it('timeoutError is TIMEOUT and names the limit', () => {
    const error = timeoutError('get', 25, 'a');
    expect(error.isTimeout).toBe(true);
    expect(error.message).toContain('25 ms');
  });
});
