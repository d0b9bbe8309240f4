import { registerSuite, type SuiteGroup, summarizeGroups } from '../suite/suite.js';
import { byteWrapperGroup } from './wrapper-groups.js';
import {
  type ByteWrapperConformanceOptions,
  type ResolvedWrapperOptions,
  resolveWrapperOptions,
  WrapperHarness,
} from './wrapper-options.js';

/** Every group of the byte-wrapper kit. */
export const BYTE_WRAPPER_CONFORMANCE_GROUPS: readonly SuiteGroup<
  WrapperHarness,
  ResolvedWrapperOptions
>[] = [byteWrapperGroup];

/** The byte-wrapper kit's groups and cases, for the catalogue. */
export const byteWrapperConformanceGroups = summarizeGroups(BYTE_WRAPPER_CONFORMANCE_GROUPS);

/**
 * Registers the conformance suite of a byte-level wrapper (a backend that
 * transforms values on their way to another backend: compression,
 * encryption): every length round-trips around its threshold and far
 * beyond, and for encryption an entry under a wrong key, tampered or copied
 * under another key is a miss or a classified error, never garbage. Run
 * `describeBackendConformance` on the wrapper too: this suite adds only
 * what the transformation promises.
 *
 * @example
 * ```ts
 * describeByteWrapperConformance('EncryptionBackend', {
 *   createStore: ({ namespace }) => storeFor(namespace),
 *   wrap: (store) => new EncryptionBackend(store, { keys: [key1] }),
 *   wrapWithOtherKey: (store) => new EncryptionBackend(store, { keys: [otherKey1] }),
 *   kind: 'encryption',
 * });
 * ```
 */
export function describeByteWrapperConformance(
  name: string,
  options: ByteWrapperConformanceOptions,
): void {
  const resolved = resolveWrapperOptions(options);
  registerSuite(name, {
    options: resolved,
    groups: BYTE_WRAPPER_CONFORMANCE_GROUPS,
    harness: (current) => new WrapperHarness(current),
    knownFailures: {},
  });
}
