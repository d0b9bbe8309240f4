import type { BaseBackend } from '@cachestack/core';
import {
  AdaptiveTimeoutBackend,
  CircuitBreakerBackend,
  CompressionBackend,
  EncryptionBackend,
  EncryptionKey,
  LoadSheddingBackend,
  presetBackend,
  RetryBackend,
} from '../../src/index.js';

/** Fixed test keys (never used outside tests). */
export const TEST_KEYS = [EncryptionKey.generate(2), EncryptionKey.generate(1)];

/** One wrapper (or composition) the conformance kit runs against, over any backend. */
export interface WrapperCase {
  name: string;
  wrap(inner: BaseBackend, namespace: string): BaseBackend;
}

/**
 * Adaptive limits no tighter than 1 s here: the kit checks the contract, and
 * on a loaded CI machine a pause of the event loop would otherwise turn an
 * ordinary read into a (correctly classified, but unexpected) TIMEOUT.
 * Adaptivity itself is tested in adaptive-timeout.test.ts.
 */
const adaptiveTimeout = { floorMs: 1_000 };

/** Every wrapper of the package, with settings that let the kit's fault cases recover quickly. */
export const WRAPPER_CASES: readonly WrapperCase[] = [
  // A threshold of 64 bytes so most of the kit's values take the compressed path.
  {
    name: 'CompressionBackend',
    wrap: (inner) => new CompressionBackend(inner, { thresholdBytes: 64 }),
  },
  {
    name: 'EncryptionBackend',
    wrap: (inner, namespace) =>
      new EncryptionBackend(inner, { keys: TEST_KEYS, context: namespace }),
  },
  {
    name: 'AdaptiveTimeoutBackend',
    wrap: (inner) => new AdaptiveTimeoutBackend(inner, adaptiveTimeout),
  },
  {
    name: 'LoadSheddingBackend',
    wrap: (inner) => new LoadSheddingBackend(inner, { maxInFlight: 128, maxQueued: 1024 }),
  },
  { name: 'RetryBackend', wrap: (inner) => new RetryBackend(inner) },
  {
    name: 'CircuitBreakerBackend',
    wrap: (inner) => new CircuitBreakerBackend(inner, { resetTimeoutMs: 100 }),
  },
  {
    name: "presetBackend('secure')",
    wrap: (inner, namespace) =>
      presetBackend('secure', inner, {
        circuitBreaker: { resetTimeoutMs: 100 },
        adaptiveTimeout,
        loadShedding: { maxInFlight: 128, maxQueued: 1024 },
        encryption: { keys: TEST_KEYS, context: namespace },
      }),
  },
];
