import { describe, expect, it } from 'vitest';
import { BackendError, systemErrorCode, toBackendError } from '../src/index.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: something`), { code });
}

describe('toBackendError', () => {
  it.each([
    ['ECONNREFUSED', 'TRANSIENT', 'UNAVAILABLE'],
    ['ECONNRESET', 'TRANSIENT', 'UNAVAILABLE'],
    ['EPIPE', 'TRANSIENT', 'UNAVAILABLE'],
    ['ENOTFOUND', 'TRANSIENT', 'UNAVAILABLE'],
    ['EACCES', 'PERMANENT', 'ACCESS_DENIED'],
    ['EPERM', 'PERMANENT', 'ACCESS_DENIED'],
    ['EROFS', 'PERMANENT', 'ACCESS_DENIED'],
    ['ENOSPC', 'PERMANENT', 'NO_SPACE'],
    ['EIO', 'PERMANENT', 'IO_ERROR'],
    ['ENOTDIR', 'PERMANENT', 'INVALID_PATH'],
    ['ELOOP', 'PERMANENT', 'INVALID_PATH'],
  ])('classifies %s as %s %s and keeps the cause', (code, type, backendCode) => {
    const cause = systemError(code);
    const error = toBackendError(cause, 'set', 'k');
    expect(error).toBeInstanceOf(BackendError);
    expect([error.type, error.code, error.operation, error.key]).toEqual([
      type,
      backendCode,
      'set',
      'k',
    ]);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain(cause.message);
  });

  it('makes anything unrecognised UNKNOWN', () => {
    for (const thrown of [new Error('weird'), 'a string', 42, undefined, systemError('EWHAT')]) {
      const error = toBackendError(thrown, 'get');
      expect(error.type).toBe('UNKNOWN');
      expect(error.cause).toBe(thrown);
    }
  });

  it('passes BackendErrors through untouched', () => {
    const original = new BackendError({ type: 'TIMEOUT', code: 'TIMEOUT', message: 'm' });
    expect(toBackendError(original, 'get')).toBe(original);
  });

  it('asks the adapter classifier first', () => {
    const error = toBackendError(systemError('ECONNREFUSED'), 'get', undefined, () => ({
      type: 'AUTHENTICATION',
      code: 'AUTHENTICATION_FAILED',
      hint: 'custom',
    }));
    expect(error.type).toBe('AUTHENTICATION');
    expect(error.message).toContain('custom');
  });

  it('never throws itself, whatever was thrown', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwingCode = Object.defineProperty({}, 'code', {
      get() {
        throw new Error('boom');
      },
    });
    for (const thrown of [proxy, Object.create(null), throwingCode, Symbol('s'), 10n]) {
      const error = toBackendError(thrown, 'get', 'k');
      expect([error.type, error.code, error.operation, error.key]).toEqual([
        'UNKNOWN',
        'UNKNOWN',
        'get',
        'k',
      ]);
      expect(error.cause).toBe(thrown);
    }
  });

  it('reads system error codes only from strings', () => {
    expect(systemErrorCode(systemError('EIO'))).toBe('EIO');
    expect(systemErrorCode({ code: 5 })).toBeUndefined();
    expect(systemErrorCode(null)).toBeUndefined();
  });
});
