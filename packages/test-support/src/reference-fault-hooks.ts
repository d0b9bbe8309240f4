import { ReferenceBackend } from './reference-backend.js';
import type { ReferenceStore } from './reference-store.js';

/**
 * Fault hooks for the conformance kit's `faults` option, acting on `store`:
 * down and slow hit every backend on it; bad credentials make a backend that
 * rejects every operation with AUTHENTICATION.
 */
export function referenceFaultHooks(store: ReferenceStore) {
  return {
    makeUnavailable: async (): Promise<void> => {
      store.unavailable = true;
    },
    makeAvailable: async (): Promise<void> => {
      store.unavailable = false;
    },
    slowDown: async (delayMs: number): Promise<void> => {
      store.delayMs = delayMs;
    },
    restoreSpeed: async (): Promise<void> => {
      store.delayMs = 0;
    },
    createWithBadCredentials: async ({ namespace }: { namespace: string }) =>
      new ReferenceBackend(store, namespace, { badCredentials: true }),
  };
}
