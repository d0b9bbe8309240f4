import { assertKnownOptions, type BaseBackend } from '@cachestack/core';
import { createNamespace } from '../harness.js';
import type { SuiteHarness } from '../suite/suite.js';

/** What a byte wrapper promises beyond round-tripping bytes. */
export type ByteWrapperKind = 'compression' | 'encryption' | 'other';

/** Options of {@link describeByteWrapperConformance}. */
export interface ByteWrapperConformanceOptions {
  /**
   * The store under the wrapper, scoped to `namespace` (fresh and empty per
   * test). Two calls with one namespace must share one store.
   */
  createStore: (context: { namespace: string }) => BaseBackend | Promise<BaseBackend>;
  /** The wrapper under test around `store`. */
  wrap: (store: BaseBackend) => BaseBackend;
  /**
   * The same wrapper with another secret (encryption: another key, or the
   * same key id with other bytes). Omitted: the wrong-key case is skipped.
   */
  wrapWithOtherKey?: (store: BaseBackend) => BaseBackend;
  /** `compression`: repetitive values shrink; `encryption`: no plaintext in the store, tampering and copying detected. */
  kind: ByteWrapperKind;
  /**
   * The size in bytes at which the wrapper changes behaviour (compression's
   * `thresholdBytes`); every length 0 … threshold + 64 is checked.
   * @default 1024
   */
  thresholdBytes?: number;
  /** Runs after each test, after the kit closed its wrappers and stores. */
  cleanup?: () => Promise<void>;
}

/** Options with defaults. */
export interface ResolvedWrapperOptions extends ByteWrapperConformanceOptions {
  readonly thresholdBytes: number;
}

const OPTION_NAMES = Object.keys({
  createStore: true,
  wrap: true,
  wrapWithOtherKey: true,
  kind: true,
  thresholdBytes: true,
  cleanup: true,
} satisfies Record<keyof ByteWrapperConformanceOptions, true>);

function fail(option: string, detail: string): never {
  throw new TypeError(`describeByteWrapperConformance: option "${option}" ${detail}`);
}

/** Validates options (a `TypeError` naming the option) and fills in defaults. */
export function resolveWrapperOptions(
  options: ByteWrapperConformanceOptions,
): ResolvedWrapperOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  assertKnownOptions(options, OPTION_NAMES, 'describeByteWrapperConformance');
  for (const name of ['createStore', 'wrap'] as const) {
    if (typeof options[name] !== 'function') fail(name, 'must be a function');
  }
  for (const name of ['wrapWithOtherKey', 'cleanup'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      fail(name, 'must be a function');
  }
  if (!['compression', 'encryption', 'other'].includes(options.kind)) {
    fail('kind', `must be 'compression', 'encryption' or 'other', got ${String(options.kind)}`);
  }
  const thresholdBytes = options.thresholdBytes ?? 1024;
  if (!Number.isInteger(thresholdBytes) || thresholdBytes < 0 || thresholdBytes > 1024 * 1024) {
    fail('thresholdBytes', `must be a whole number 0 – 1048576, got ${String(thresholdBytes)}`);
  }
  return { ...options, thresholdBytes };
}

/** The per-test fixture of the wrapper kit. */
export class WrapperHarness implements SuiteHarness {
  /** This test's namespace. */
  readonly namespace = createNamespace();
  /** The resolved options. */
  readonly options: ResolvedWrapperOptions;
  readonly #backends: BaseBackend[] = [];

  constructor(options: ResolvedWrapperOptions) {
    this.options = options;
  }

  /** A new handle on this test's store (closed when the test ends). */
  async store(): Promise<BaseBackend> {
    const store = await this.options.createStore({ namespace: this.namespace });
    this.#backends.push(store);
    return store;
  }

  /** The wrapper under test over a new store handle, and that handle. */
  async wrapped(other = false): Promise<{ wrapper: BaseBackend; store: BaseBackend }> {
    const store = await this.store();
    const wrap = other ? this.options.wrapWithOtherKey : this.options.wrap;
    if (wrap === undefined) throw new TypeError('wrapWithOtherKey was not given');
    const wrapper = wrap(store);
    this.#backends.push(wrapper);
    return { wrapper, store };
  }

  /** Closes wrappers and stores (errors ignored), then runs the user's cleanup. */
  async dispose(): Promise<void> {
    for (const backend of this.#backends.splice(0).reverse()) {
      await Promise.resolve()
        .then(() => backend.close())
        .catch(() => undefined);
    }
    await this.options.cleanup?.();
  }
}
