import type { BackendErrorType, BaseBackend, CapabilityName } from '@cachestack/core';

/** What the kit passes to {@link ConformanceOptions.create}. */
export interface CreateContext {
  /**
   * A namespace unique to the current test (a short string of `[a-z0-9-]`).
   * Each new namespace must start empty. Two `create` calls with the same
   * namespace must give two instances that share one store (when
   * {@link ConformanceOptions.sharedStore} is true).
   */
  namespace: string;
}

/**
 * Fault hooks the backend's author can offer. Each hook is optional: the
 * cases that need a missing hook are skipped with a visible reason.
 */
export interface ConformanceFaults {
  /** Takes the store away (stop the server, make the file unreadable). Backends created earlier must then fail with a classified error. */
  makeUnavailable?: () => Promise<void>;
  /** Brings the store back after {@link ConformanceFaults.makeUnavailable}. The same instances must recover. */
  makeAvailable?: () => Promise<void>;
  /**
   * The {@link BackendErrorType} operations fail with while the store is unavailable.
   * @default 'TRANSIENT'
   */
  unavailableErrorType?: BackendErrorType;
  /** Creates a backend whose credentials are wrong; its operations must fail with AUTHENTICATION. */
  createWithBadCredentials?: (context: CreateContext) => Promise<BaseBackend>;
  /** Makes every store operation take at least `delayMs` ms longer (until {@link ConformanceFaults.restoreSpeed}). */
  slowDown?: (delayMs: number) => Promise<void>;
  /** Undoes {@link ConformanceFaults.slowDown}. */
  restoreSpeed?: () => Promise<void>;
  /**
   * How long, in ms, an operation may take to fail while the store is
   * unavailable, and how long the same instance may take to recover after
   * {@link ConformanceFaults.makeAvailable}.
   * @default 5000
   */
  boundMs?: number;
}

/** Options for {@link describeBackendConformance}. */
export interface ConformanceOptions<B extends BaseBackend = BaseBackend> {
  /** Creates a backend on the store; see {@link CreateContext}. May be called several times per test. */
  create: (context: CreateContext) => B | Promise<B>;
  /** The capabilities the backend claims. A claimed capability that is missing or broken fails the suite. */
  capabilities: readonly CapabilityName[];
  /**
   * True when two instances created with the same namespace share one store
   * (file, SQLite, Redis). False for a purely in-process store.
   * @default true
   */
  sharedStore?: boolean;
  /** The backend's largest value in bytes, if it has one; used to check `VALUE_TOO_LARGE`. */
  maxValueBytes?: number;
  /**
   * Size in bytes of the "large value" round-trip case.
   * @default 4 MiB (or maxValueBytes, when smaller)
   */
  largeValueBytes?: number;
  /**
   * Extra slack in ms for timing assertions on slow stores (TTL expiry checks wait this much longer).
   * @default 50
   */
  timingSlackMs?: number;
  /** Fault injection hooks. */
  faults?: ConformanceFaults;
  /**
   * Runs only the groups with these names (see `conformanceGroups`); the
   * other groups are not registered by this call (register them in another
   * call, e.g. for the same store in another configuration).
   * @default every group
   */
  groups?: readonly string[];
  /** Runs after each test, after every backend the test created was closed. */
  cleanup?: () => Promise<void>;
  /** Settings of the seeded model check (the `model check` group). */
  modelCheck?: ModelCheckSettings;
  /**
   * The `node:diagnostics_channel` tracing channel the backend publishes its
   * operations on (`'cachestack:backend'` for adapters, `'cachestack:tiered'`
   * for a tiered backend). Given: the `tracing` group checks it with a real
   * subscriber. Omitted: that group is skipped (visibly).
   */
  tracingChannel?: string;
}

/** Settings of the `model check` group; a failure prints the seed to put here to replay it. */
export interface ModelCheckSettings {
  /**
   * Seed of the random sequences; the same seed replays the same calls.
   * @default 20261203
   */
  seed?: number;
  /**
   * Sequences per case, each on a fresh namespace.
   * @default 3
   */
  sequences?: number;
  /**
   * Operations per sequence.
   * @default 300
   */
  length?: number;
}
