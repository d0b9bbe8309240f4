import { assertKnownOptions, type BaseBackend, type Logger } from '@cachestack/core';
import { AdaptiveTimeoutBackend, type AdaptiveTimeoutOptions } from './adaptive-timeout-backend.js';
import {
  CircuitBreakerBackend,
  type CircuitBreakerBackendOptions,
} from './circuit-breaker-backend.js';
import { EncryptionBackend, type EncryptionBackendOptions } from './encryption-backend.js';
import { LoadSheddingBackend, type LoadSheddingOptions } from './load-shedding-backend.js';
import { checkInner } from './wrapper-options.js';

/**
 * An intent:
 * - `speed`: the backend as it is, nothing extra, errors reject;
 * - `production`: load shedding → circuit breaker → adaptive timeouts → backend, and fail-open reads;
 * - `secure`: encryption over `production`.
 */
export type CachePreset = 'speed' | 'production' | 'secure';

/** Settings for the wrappers a preset composes; each defaults as in its own options. */
export interface PresetOptions {
  /** For `production` and `secure`: see {@link LoadSheddingOptions}. */
  loadShedding?: LoadSheddingOptions | undefined;
  /** For `production` and `secure`: see {@link CircuitBreakerBackendOptions}. */
  circuitBreaker?: CircuitBreakerBackendOptions | undefined;
  /** For `production` and `secure`: see {@link AdaptiveTimeoutOptions}. */
  adaptiveTimeout?: AdaptiveTimeoutOptions | undefined;
  /** Required for `secure`: see {@link EncryptionBackendOptions}. */
  encryption?: EncryptionBackendOptions | undefined;
  /**
   * The `logger` of every wrapper the preset composes, unless that
   * wrapper's own options name one (see `WrapperOptions.logger`).
   * @default silent
   */
  logger?: Logger | undefined;
}

/** What {@link cachePreset} returns: spread it into `createCache` from `@cachestack/cache`. */
export interface CachePresetOptions {
  /** The composed backend (closing it closes the one given). */
  backend: BaseBackend;
  /** `true` for `production` and `secure`: reads resolve as a miss when the backend fails. */
  failOpen: boolean;
}

const PRESETS: readonly CachePreset[] = ['speed', 'production', 'secure'];

/** Every option name of {@link PresetOptions} (the compiler checks the list is complete). */
const PRESET_OPTION_NAMES = Object.keys({
  loadShedding: true,
  circuitBreaker: true,
  adaptiveTimeout: true,
  encryption: true,
  logger: true,
} satisfies Record<keyof PresetOptions, true>);

/**
 * Composes the wrappers for `preset` around `backend` and returns the
 * outermost one (the backend itself for `speed`). Closing the result
 * closes `backend`.
 *
 * @throws TypeError for an unknown preset, a missing `encryption` option
 *   with `secure`, or any invalid wrapper option (named).
 */
export function presetBackend(
  preset: CachePreset,
  backend: BaseBackend,
  options: PresetOptions = {},
): BaseBackend {
  if (!PRESETS.includes(preset)) {
    throw new TypeError(`preset must be one of ${PRESETS.join(', ')}, got ${String(preset)}`);
  }
  checkInner(backend, 'presetBackend');
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('presetBackend: options must be an object');
  }
  assertKnownOptions(options, PRESET_OPTION_NAMES, 'presetBackend');
  if (preset === 'speed') return backend;
  if (preset === 'secure' && options.encryption === undefined) {
    throw new TypeError('presetBackend: the secure preset needs option "encryption" ({ keys })');
  }
  // A non-object is passed on as given, so the wrapper's own check names it.
  const withLogger = <T extends { logger?: Logger | undefined }>(given: T | undefined): T =>
    given !== undefined && (typeof given !== 'object' || given === null)
      ? given
      : ({ ...given, logger: given?.logger ?? options.logger } as T);
  const timed = new AdaptiveTimeoutBackend(backend, withLogger(options.adaptiveTimeout));
  const guarded = new CircuitBreakerBackend(timed, withLogger(options.circuitBreaker));
  const production = new LoadSheddingBackend(guarded, withLogger(options.loadShedding));
  if (preset === 'production') return production;
  return new EncryptionBackend(production, withLogger(options.encryption));
}

/**
 * The `createCache` options for an intent: `{ backend, failOpen }`, with the
 * backend composed by {@link presetBackend}.
 *
 * @example
 * ```ts
 * import { createCache } from '@cachestack/cache';
 * const cache = createCache({ ...cachePreset('production', redis), namespace: 'app' });
 * ```
 */
export function cachePreset(
  preset: CachePreset,
  backend: BaseBackend,
  options: PresetOptions = {},
): CachePresetOptions {
  return { backend: presetBackend(preset, backend, options), failOpen: preset !== 'speed' };
}
