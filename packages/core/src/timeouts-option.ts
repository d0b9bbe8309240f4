import type { TimeoutOperation } from './capabilities.js';
import { TIMEOUT_OPERATIONS, type TimeoutDefaults } from './operation-timeouts.js';

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return typeof value;
  }
}

/**
 * Validates a backend's `timeouts` constructor option (a {@link TimeoutDefaults}
 * map: operation name or `'*'` to a limit in ms) so that every adapter
 * reports the same mistake with the same message. Entries set to `undefined`
 * are dropped, as {@link OperationTimeouts} does.
 *
 * @param value - the option as given; `undefined` means no limits.
 * @param owner - the class named at the start of an error message, e.g. `'FileBackend'`.
 * @returns a new map holding only the given limits.
 * @throws TypeError `${owner}: option "timeouts" must be an object …` when `value`
 *   is not a plain object, `${owner}: option "timeouts.<op>" is not an operation …`
 *   (listing the known ones) for an unknown name, and
 *   `${owner}: option "timeouts.<op>" must be a finite number of ms > 0, got …`
 *   for a bad limit.
 *
 * @example
 * ```ts
 * const timeouts = resolveTimeoutsOption(options.timeouts, 'MyBackend');
 * const limits = new OperationTimeouts(timeouts);
 * ```
 */
export function resolveTimeoutsOption(value: unknown, owner: string): TimeoutDefaults {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${owner}: option "timeouts" must be an object of ms per operation name or '*', got ${show(value)}`,
    );
  }
  const resolved: TimeoutDefaults = {};
  for (const [operation, timeoutMs] of Object.entries(value)) {
    if (!TIMEOUT_OPERATIONS.has(operation)) {
      throw new TypeError(
        `${owner}: option "timeouts.${operation}" is not an operation; expected one of ${[...TIMEOUT_OPERATIONS].join(', ')}`,
      );
    }
    if (timeoutMs === undefined) continue;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(
        `${owner}: option "timeouts.${operation}" must be a finite number of ms > 0, got ${show(timeoutMs)}`,
      );
    }
    resolved[operation as TimeoutOperation] = timeoutMs;
  }
  return resolved;
}
