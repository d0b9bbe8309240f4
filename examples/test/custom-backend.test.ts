import { describeBackendConformance } from '@cachestack/conformance';
import { BackendError } from '@cachestack/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheService, DEFAULT_MAX_VALUE_BYTES } from '../custom-backend/cache-service.js';
import { HttpCacheBackend } from '../custom-backend/http-cache-backend.js';

const TOKEN = 'example-token';

let service: CacheService;

beforeAll(async () => {
  service = await CacheService.start({ token: TOKEN });
});

afterAll(async () => {
  await service?.close();
});

describeBackendConformance('HttpCacheBackend (custom backend over a real HTTP service)', {
  create: ({ namespace }) => new HttpCacheBackend({ url: service.url, token: TOKEN, namespace }),
  capabilities: ['ttl', 'timeout', 'clear'],
  sharedStore: true,
  // The client has no limit of its own, so this case checks that the service's 413 is classified.
  maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
  timingSlackMs: 100,
  faults: {
    makeUnavailable: () => service.stop(),
    makeAvailable: () => service.restart(),
    createWithBadCredentials: async ({ namespace }) =>
      new HttpCacheBackend({ url: service.url, token: 'wrong-token', namespace }),
    slowDown: async (delayMs) => {
      service.responseDelayMs = delayMs;
    },
    restoreSpeed: async () => {
      service.responseDelayMs = 0;
    },
  },
});

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

describe('HttpCacheBackend beyond the kit', () => {
  let own: CacheService;
  const created: HttpCacheBackend[] = [];
  const backend = (options: Partial<ConstructorParameters<typeof HttpCacheBackend>[0]> = {}) => {
    const instance = new HttpCacheBackend({
      url: own.url,
      token: TOKEN,
      namespace: 'extra',
      ...options,
    });
    created.push(instance);
    return instance;
  };

  beforeAll(async () => {
    own = await CacheService.start({ token: TOKEN, maxValueBytes: 1024 });
  });

  afterAll(async () => {
    await Promise.all(created.map((instance) => instance.close()));
    await own?.close();
  });

  it('rejects bad input before sending any request', async () => {
    const cache = backend({ maxValueBytes: 16 });
    const before = own.requestCount;
    const cases: [Promise<unknown>, string][] = [
      [cache.get(''), 'INVALID_KEY'],
      [cache.set('k', Buffer.from('v'), 0), 'INVALID_TTL'],
      [cache.set('k', 'v' as unknown as Uint8Array), 'INVALID_VALUE'],
      [cache.set('k', Buffer.alloc(17)), 'VALUE_TOO_LARGE'],
      [cache.refreshTtl('k', Number.NaN), 'INVALID_TTL'],
      [cache.exists('\uD800'), 'INVALID_KEY'],
    ];
    for (const [call, code] of cases) {
      const error = await rejection(call);
      expect(error.isPermanent).toBe(true);
      expect(error.code).toBe(code);
    }
    expect(own.requestCount).toBe(before);
  });

  it("classifies the service's answers: 413, 401, 503", async () => {
    const cache = backend();
    const tooLarge = await rejection(cache.set('big', Buffer.alloc(1025)));
    expect([tooLarge.type, tooLarge.code]).toEqual(['PERMANENT', 'VALUE_TOO_LARGE']);

    const intruder = backend({ token: 'not-the-token' });
    const denied = await rejection(intruder.get('k'));
    expect([denied.type, denied.code]).toEqual(['AUTHENTICATION', 'AUTHENTICATION_FAILED']);

    own.maintenance = true;
    try {
      const down = await rejection(cache.get('k'));
      expect([down.type, down.code]).toEqual(['TRANSIENT', 'UNAVAILABLE']);
      expect(down.message).toContain('503');
    } finally {
      own.maintenance = false;
    }
    await cache.set('k', Buffer.from('back'));
    expect(Buffer.from((await cache.get('k')) ?? []).toString()).toBe('back');
  });

  it('classifies a refused connection as TRANSIENT UNAVAILABLE with the socket error as cause', async () => {
    const gone = await CacheService.start({ token: TOKEN });
    const url = gone.url;
    await gone.close();
    const cache = backend({ url });
    const error = await rejection(cache.get('k'));
    expect([error.type, error.code]).toEqual(['TRANSIENT', 'UNAVAILABLE']);
    expect(error.message).toContain('connection refused');
    const health = await cache.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toContain('connection refused');
  });

  it('aborts a request over the default limit with TIMEOUT', async () => {
    const cache = backend({ requestTimeoutMs: 100 });
    await cache.set('slow', Buffer.from('v'));
    own.responseDelayMs = 1_000;
    try {
      const error = await rejection(cache.get('slow'));
      expect([error.type, error.code, error.operation, error.key]).toEqual([
        'TIMEOUT',
        'TIMEOUT',
        'get',
        'slow',
      ]);
    } finally {
      own.responseDelayMs = 0;
    }
  });

  it('returns a fresh Buffer on every get', async () => {
    const cache = backend();
    await cache.set('fresh', Buffer.from('bytes'));
    const first = await cache.get('fresh');
    const second = await cache.get('fresh');
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(first?.buffer).not.toBe(second?.buffer);
    first?.fill(0);
    expect(Buffer.from(second ?? []).toString()).toBe('bytes');
    expect(Buffer.from((await cache.get('fresh')) ?? []).toString()).toBe('bytes');
  });

  it('refuses bad options with a TypeError naming them', () => {
    expect(() => backend({ url: 'ftp://example.test' })).toThrow(/url/);
    expect(() => backend({ namespace: 'a/b' })).toThrow(/namespace/);
    expect(() => backend({ token: '' })).toThrow(/token/);
    expect(() => backend({ requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
  });
});
