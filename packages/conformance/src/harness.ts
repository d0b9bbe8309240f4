import { randomBytes } from 'node:crypto';
import {
  type BackendWith,
  type BaseBackend,
  type CapabilityName,
  hasCapability,
} from '@cachestack/core';
import { describeValue, violation } from './assertions.js';
import type { ResolvedConformanceOptions } from './resolve-options.js';

/** The methods each capability needs, for failure messages. */
const CAPABILITY_METHODS: Record<CapabilityName, readonly string[]> = {
  ttl: ['getTtl', 'refreshTtl'],
  lock: ['acquireLock'],
  timeout: ['withTimeout'],
  batch: ['getMany', 'setMany', 'deleteMany'],
  clear: ['clear'],
  keys: ['keys'],
};

const CLOSE_BOUND_MS = 10_000;

let counter = 0;

/** A fresh namespace: `t<counter>-<random hex>`, only `[a-z0-9-]`. */
export function createNamespace(): string {
  counter += 1;
  return `t${counter}-${randomBytes(4).toString('hex')}`;
}

/**
 * The per-test fixture: a fresh namespace, backends created through
 * {@link ConformanceOptions.create} (all closed when the test ends) and
 * fault hooks that are undone when the test ends.
 */
export class ConformanceHarness {
  /** The namespace of this test; every `create()` without arguments uses it. */
  readonly namespace: string;
  /** The suite's options, with defaults. */
  readonly options: ResolvedConformanceOptions;
  readonly #backends: BaseBackend[] = [];
  #unavailable = false;
  #slowed = false;

  constructor(options: ResolvedConformanceOptions) {
    this.options = options;
    this.namespace = createNamespace();
  }

  /** Extra slack for timing assertions, in ms. */
  get slackMs(): number {
    return this.options.timingSlackMs;
  }

  /** True when the backend claims `capability`. */
  claims(capability: CapabilityName): boolean {
    return this.options.capabilities.includes(capability);
  }

  /** A new namespace, distinct from every other one in this run. */
  newNamespace(): string {
    return createNamespace();
  }

  /** Creates a backend on `namespace` (default: this test's) and tracks it for closing. */
  async create(namespace: string = this.namespace): Promise<BaseBackend> {
    const backend = await this.options.create({ namespace });
    this.track(backend);
    return backend;
  }

  /**
   * Creates a backend and checks that it offers `capability`; fails with a
   * message naming the capability and its missing methods when it does not.
   */
  async createWith<C extends CapabilityName>(
    capability: C,
    namespace: string = this.namespace,
  ): Promise<BackendWith<C>> {
    const backend = await this.create(namespace);
    return requireClaimedCapability(backend, capability) as BackendWith<C>;
  }

  /** Creates a backend with every capability the options claim checked to be present. */
  async createClaimed(namespace: string = this.namespace): Promise<BaseBackend> {
    const backend = await this.create(namespace);
    for (const capability of this.options.capabilities)
      requireClaimedCapability(backend, capability);
    return backend;
  }

  /** Tracks a backend created some other way, so it is closed when the test ends. */
  track<B extends BaseBackend>(backend: B): B {
    if (typeof backend !== 'object' || backend === null || typeof backend.get !== 'function') {
      violation(
        'create() must return a backend',
        `create() returned ${describeValue(backend)}, which has no get() method`,
      );
    }
    this.#backends.push(backend);
    return backend;
  }

  /** Calls {@link ConformanceFaults.makeUnavailable}; undone when the test ends. */
  async makeUnavailable(): Promise<void> {
    this.#unavailable = true;
    await this.options.faults.makeUnavailable?.();
  }

  /** Calls {@link ConformanceFaults.makeAvailable}. */
  async makeAvailable(): Promise<void> {
    this.#unavailable = false;
    await this.options.faults.makeAvailable?.();
  }

  /** Calls {@link ConformanceFaults.slowDown}; undone when the test ends. */
  async slowDown(delayMs: number): Promise<void> {
    this.#slowed = true;
    await this.options.faults.slowDown?.(delayMs);
  }

  /** Calls {@link ConformanceFaults.restoreSpeed}. */
  async restoreSpeed(): Promise<void> {
    this.#slowed = false;
    await this.options.faults.restoreSpeed?.();
  }

  /**
   * Undoes faults, closes every tracked backend (close errors and hangs are
   * ignored) and runs {@link ConformanceOptions.cleanup}.
   */
  async dispose(): Promise<void> {
    if (this.#slowed) await this.restoreSpeed();
    if (this.#unavailable) await this.makeAvailable();
    const backends = this.#backends.splice(0);
    await Promise.all(backends.map((backend) => closeQuietly(backend)));
    await this.options.cleanup?.();
  }
}

async function closeQuietly(backend: BaseBackend): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => backend.close()),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_BOUND_MS);
      }),
    ]);
  } catch {
    // Close errors are the lifecycle group's business, not the fixture's.
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Returns `backend` typed with `capability`, or fails with a message naming
 * the claimed capability and the methods that are missing.
 */
export function requireClaimedCapability<C extends CapabilityName>(
  backend: BaseBackend,
  capability: C,
): BackendWith<C> {
  if (!hasCapability(backend, capability)) {
    const record = backend as unknown as Record<string, unknown>;
    const missing = CAPABILITY_METHODS[capability].filter(
      (name) => typeof record[name] !== 'function',
    );
    violation(
      `a claimed capability must be implemented ('${capability}')`,
      `the backend claims the '${capability}' capability but does not implement ${missing.map((name) => `${name}()`).join(', ')}`,
    );
  }
  return backend as BackendWith<C>;
}
