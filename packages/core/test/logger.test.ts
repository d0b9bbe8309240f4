import { describe, expect, it } from 'vitest';
import { logSafely, redactUrl, resolveLogger, silentLogger } from '../src/index.js';

describe('resolveLogger', () => {
  it('defaults to the silent logger', () => {
    expect(resolveLogger(undefined)).toBe(silentLogger);
  });

  it('accepts a pino-shaped logger and returns it', () => {
    const lines: unknown[] = [];
    const logger = {
      debug: (f: object, m: string) => lines.push(['debug', f, m]),
      info: (f: object, m: string) => lines.push(['info', f, m]),
      warn: (f: object, m: string) => lines.push(['warn', f, m]),
      error: (f: object, m: string) => lines.push(['error', f, m]),
    };
    expect(resolveLogger(logger)).toBe(logger);
    logSafely(logger, 'warn', { backendType: 'redis' }, 'reconnecting');
    expect(lines).toEqual([['warn', { backendType: 'redis' }, 'reconnecting']]);
  });

  it('rejects what is not a logger with a TypeError naming the option and method', () => {
    expect(() => resolveLogger(console.log, 'logger')).toThrow(TypeError);
    expect(() => resolveLogger({ debug() {}, info() {}, warn() {} }, 'logger')).toThrow(
      'logger.error must be a function',
    );
    expect(() => resolveLogger('pino', 'logger', 'FileBackend')).toThrow(
      /^FileBackend: option logger must be a logger/,
    );
    expect(() => resolveLogger({}, 'logger', 'retry')).toThrow(
      /^retry: option logger\.debug must be a function/,
    );
  });
});

describe('logSafely', () => {
  it('never throws when the logger does', () => {
    const broken = {
      debug() {
        throw new Error('x');
      },
      info() {},
      warn() {},
      error() {},
    };
    expect(() => logSafely(broken, 'debug', {}, 'm')).not.toThrow();
  });
});

describe('redactUrl', () => {
  it('hides user name and password, keeps host, port and database', () => {
    expect(redactUrl('redis://alice:s3cret@cache.local:6380/2')).toBe(
      'redis://***:***@cache.local:6380/2',
    );
    expect(redactUrl('redis://:s3cret@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
    expect(redactUrl('rediss://cache.local')).toBe('rediss://cache.local');
  });

  it('never prints an unparsable string that could hold a credential', () => {
    expect(redactUrl('not a url with s3cret')).toBe('[unparsable url]');
  });
});
