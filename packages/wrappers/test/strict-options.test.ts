import { randomBytes } from 'node:crypto';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, test } from 'vitest';
import {
  AdaptiveTimeoutBackend,
  CircuitBreakerBackend,
  CompressionBackend,
  EncryptionBackend,
  EncryptionKey,
  LoadSheddingBackend,
  presetBackend,
  RetryBackend,
} from '../src/index.js';

const open: MemoryBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});
function inner(): MemoryBackend {
  const backend = new MemoryBackend();
  open.push(backend);
  return backend;
}
const keys = [new EncryptionKey(1, randomBytes(32))];

describe('a misspelt wrapper option is a TypeError suggesting the known one', () => {
  test.each([
    [
      'AdaptiveTimeoutBackend',
      () => new AdaptiveTimeoutBackend(inner(), { floorMS: 5 } as never),
      'floorMS',
      'floorMs',
    ],
    [
      'CircuitBreakerBackend',
      () => new CircuitBreakerBackend(inner(), { failureTreshold: 2 } as never),
      'failureTreshold',
      'failureThreshold',
    ],
    [
      'CompressionBackend',
      () => new CompressionBackend(inner(), { algorithim: 'gzip' } as never),
      'algorithim',
      'algorithm',
    ],
    [
      'EncryptionBackend',
      () => new EncryptionBackend(inner(), { keys, contxt: 'a' } as never),
      'contxt',
      'context',
    ],
    [
      'LoadSheddingBackend',
      () => new LoadSheddingBackend(inner(), { maxInflight: 2 } as never),
      'maxInflight',
      'maxInFlight',
    ],
    [
      'RetryBackend',
      () => new RetryBackend(inner(), { maxAttempt: 2 } as never),
      'maxAttempt',
      'maxAttempts',
    ],
    [
      'RetryBackend',
      () => new RetryBackend(inner(), { closeinner: false } as never),
      'closeinner',
      'closeInner',
    ],
    [
      'presetBackend',
      () => presetBackend('production', inner(), { loadshedding: {} } as never),
      'loadshedding',
      'loadShedding',
    ],
  ])('%s', (owner, create, given, known) => {
    expect(create).toThrow(
      new TypeError(`${owner}: unknown option "${given}" (did you mean "${known}"?)`),
    );
  });

  test('a preset passes each wrapper its own options, checked by that wrapper', () => {
    expect(() =>
      presetBackend('production', inner(), { circuitBreaker: { resetTimeout: 5 } } as never),
    ).toThrow(
      /CircuitBreakerBackend: unknown option "resetTimeout" \(did you mean "resetTimeoutMs"\?\)/,
    );
  });
});
