import { toBackendError } from '@cachestack/core';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { classifyRedisError } from '../src/index.js';

function classify(error: unknown) {
  return toBackendError(error, 'get', 'k', classifyRedisError);
}

function reply(message: string): Error {
  return new (ReplyError as new (message: string) => Error)(message);
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('classifyRedisError', () => {
  const cases: [string, unknown, string, string][] = [
    ['refused', systemError('ECONNREFUSED'), 'TRANSIENT', 'UNAVAILABLE'],
    ['reset', systemError('ECONNRESET'), 'TRANSIENT', 'UNAVAILABLE'],
    ['closed', new Error('Connection is closed.'), 'TRANSIENT', 'UNAVAILABLE'],
    [
      'aborted by a closed connection',
      new Error('Command aborted due to connection close'),
      'TRANSIENT',
      'UNAVAILABLE',
    ],
    [
      'offline queue off',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      'TRANSIENT',
      'UNAVAILABLE',
    ],
    [
      'retries exhausted',
      Object.assign(new Error('Reached the max retries per request limit (which is 0).'), {
        name: 'MaxRetriesPerRequestError',
      }),
      'TRANSIENT',
      'UNAVAILABLE',
    ],
    [
      'LOADING',
      reply('LOADING Redis is loading the dataset in memory'),
      'TRANSIENT',
      'UNAVAILABLE',
    ],
    [
      'READONLY',
      reply("READONLY You can't write against a read only replica."),
      'TRANSIENT',
      'UNAVAILABLE',
    ],
    [
      'TRYAGAIN',
      reply('TRYAGAIN Multiple keys request during rehashing of slot'),
      'TRANSIENT',
      'UNAVAILABLE',
    ],
    ['CLUSTERDOWN', reply('CLUSTERDOWN The cluster is down'), 'TRANSIENT', 'UNAVAILABLE'],
    ['MASTERDOWN', reply('MASTERDOWN Link with MASTER is down'), 'TRANSIENT', 'UNAVAILABLE'],
    ['max clients', reply('ERR max number of clients reached'), 'TRANSIENT', 'UNAVAILABLE'],
    ['NOAUTH', reply('NOAUTH Authentication required.'), 'AUTHENTICATION', 'AUTHENTICATION_FAILED'],
    [
      'WRONGPASS',
      reply('WRONGPASS invalid username-password pair'),
      'AUTHENTICATION',
      'AUTHENTICATION_FAILED',
    ],
    [
      'NOPERM',
      reply("NOPERM this user has no permissions to run the 'get' command"),
      'AUTHENTICATION',
      'AUTHENTICATION_FAILED',
    ],
    ['ioredis commandTimeout', new Error('Command timed out'), 'TIMEOUT', 'TIMEOUT'],
    [
      'WRONGTYPE',
      reply('WRONGTYPE Operation against a key holding the wrong kind of value'),
      'PERMANENT',
      'WRONG_TYPE',
    ],
    [
      'OOM',
      reply("OOM command not allowed when used memory > 'maxmemory'."),
      'PERMANENT',
      'NO_SPACE',
    ],
    ['syntax', reply('ERR syntax error'), 'PERMANENT', 'INVALID_ARGUMENT'],
    [
      'wrong args',
      reply("ERR wrong number of arguments for 'get' command"),
      'PERMANENT',
      'INVALID_ARGUMENT',
    ],
    [
      'cluster refresh with WRONGPASS inside',
      Object.assign(new Error('Failed to refresh slots cache.'), {
        lastNodeError: reply('WRONGPASS invalid username-password pair'),
      }),
      'AUTHENTICATION',
      'AUTHENTICATION_FAILED',
    ],
    ['cluster refresh', new Error('Failed to refresh slots cache.'), 'TRANSIENT', 'UNAVAILABLE'],
    ['unknown', new Error('something odd'), 'UNKNOWN', 'UNKNOWN'],
    ['not an error', 'a string', 'UNKNOWN', 'UNKNOWN'],
  ];

  for (const [name, error, type, code] of cases) {
    it(`${name} → ${type}`, () => {
      const classified = classify(error);
      expect(classified.type).toBe(type);
      expect(classified.code).toBe(code);
      expect(classified.cause).toBe(error);
      expect(classified.operation).toBe('get');
      expect(classified.key).toBe('k');
    });
  }
});
