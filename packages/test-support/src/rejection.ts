import { fail, ok } from 'node:assert/strict';
import { BackendError } from '@cachestack/core';

/**
 * Awaits `promise` and returns what it rejected with, failing the test (an
 * assertion error) when it resolves or rejects with anything but a
 * {@link BackendError}.
 */
export async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (reason: unknown) => ({ rejected: true as const, reason }),
  );
  if (!outcome.rejected) fail('expected a rejection with a BackendError, but it resolved');
  ok(
    outcome.reason instanceof BackendError,
    `expected a rejection with a BackendError, got ${String(outcome.reason)}`,
  );
  return outcome.reason;
}
