import type { BaseBackend } from './backend.js';
import type {
  Batch,
  CapabilityMap,
  CapabilityName,
  Clearable,
  KeyIterable,
  Lockable,
  TimeoutConfigurable,
  TTLInspectable,
} from './capabilities.js';
import { CapabilityNotAvailableError } from './errors.js';

function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return names.every((name) => typeof record[name] === 'function');
}

/** The methods each capability consists of; a backend offers a capability when it has them all. */
export const CAPABILITY_METHODS: Readonly<Record<CapabilityName, readonly string[]>> = {
  ttl: ['getTtl', 'refreshTtl'],
  lock: ['acquireLock'],
  timeout: ['withTimeout'],
  batch: ['getMany', 'setMany', 'deleteMany'],
  clear: ['clear'],
  keys: ['keys'],
};

/** True when `backend` offers the named capability (all of its methods exist). */
export function hasCapability<C extends CapabilityName>(
  backend: BaseBackend,
  capability: C,
): backend is BaseBackend & CapabilityMap[C] {
  return hasMethods(backend, CAPABILITY_METHODS[capability]);
}

/** True when `backend` offers {@link TTLInspectable}. */
export function isTtlInspectable<B extends BaseBackend>(backend: B): backend is B & TTLInspectable {
  return hasCapability(backend, 'ttl');
}

/** True when `backend` offers {@link Lockable}. */
export function isLockable<B extends BaseBackend>(backend: B): backend is B & Lockable {
  return hasCapability(backend, 'lock');
}

/** True when `backend` offers {@link TimeoutConfigurable}. */
export function isTimeoutConfigurable<B extends BaseBackend>(
  backend: B,
): backend is B & TimeoutConfigurable {
  return hasCapability(backend, 'timeout');
}

/** True when `backend` offers {@link Batch}. */
export function isBatch<B extends BaseBackend>(backend: B): backend is B & Batch {
  return hasCapability(backend, 'batch');
}

/** True when `backend` offers {@link Clearable}. */
export function isClearable<B extends BaseBackend>(backend: B): backend is B & Clearable {
  return hasCapability(backend, 'clear');
}

/** True when `backend` offers {@link KeyIterable}. */
export function isKeyIterable<B extends BaseBackend>(backend: B): backend is B & KeyIterable {
  return hasCapability(backend, 'keys');
}

/**
 * Returns `backend` typed with the capability, or throws
 * {@link CapabilityNotAvailableError} when it does not offer it.
 *
 * @example
 * ```ts
 * const locking = requireCapability(backend, 'lock');
 * await using lock = await locking.acquireLock('report', { ttlMs: 5_000 });
 * ```
 */
export function requireCapability<B extends BaseBackend, C extends CapabilityName>(
  backend: B,
  capability: C,
): B & CapabilityMap[C] {
  if (!hasCapability(backend, capability)) {
    throw new CapabilityNotAvailableError(capability, backend.backendType);
  }
  return backend as B & CapabilityMap[C];
}
