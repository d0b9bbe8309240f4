import {
  type BaseBackend,
  CAPABILITY_NAMES,
  type CapabilityName,
  type HealthStatus,
  hasCapability,
  toBackendError,
} from '@cachestack/core';

const CAPABILITY_METHODS: Record<CapabilityName, readonly string[]> = {
  ttl: ['getTtl', 'refreshTtl'],
  lock: ['acquireLock'],
  timeout: ['withTimeout'],
  batch: ['getMany', 'setMany', 'deleteMany'],
  clear: ['clear'],
  keys: ['keys'],
};

/** Options of {@link InstrumentedBackend}. */
export interface InstrumentOptions {
  /** Capabilities of the wrapped backend to offer (default: all it has). */
  capabilities?: readonly CapabilityName[];
  /** backendType to report (default: the wrapped one's). */
  backendType?: string;
}

/**
 * Wraps a REAL backend (MemoryBackend, SqliteBackend, …), passing every call
 * through, while counting calls, optionally delaying them, optionally hiding
 * capabilities, and — when taken "down" — failing like an unreachable store
 * (a real ECONNREFUSED system error, classified by core's `toBackendError`).
 */
export class InstrumentedBackend implements BaseBackend {
  readonly backendType: string;
  readonly inner: BaseBackend;
  readonly calls = new Map<string, number>();
  /** Operations that fail while set (`'*'` for every operation). */
  down = new Set<string>();
  /** Extra delay in ms added to the reply of these operations (after the store answered). */
  delays = new Map<string, number>();
  /** Order in which write calls reached this backend (global across instances when shared). */
  log: string[] | undefined;
  [key: string]: unknown;

  constructor(inner: BaseBackend, options: InstrumentOptions = {}) {
    this.inner = inner;
    this.backendType = options.backendType ?? inner.backendType;
    const offered = options.capabilities ?? CAPABILITY_NAMES;
    for (const capability of offered) {
      if (!hasCapability(inner, capability)) continue;
      for (const method of CAPABILITY_METHODS[capability]) {
        const fn = (inner as unknown as Record<string, (...args: unknown[]) => unknown>)[method];
        if (typeof fn !== 'function') continue;
        this[method] =
          method === 'keys'
            ? (...args: unknown[]) => this.#keys(fn.apply(inner, args) as AsyncIterable<string>)
            : method === 'withTimeout'
              ? (...args: unknown[]) => fn.apply(inner, args)
              : (...args: unknown[]) =>
                  this.#call(method, () => fn.apply(inner, args) as Promise<unknown>);
      }
    }
  }

  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  async *#keys(source: AsyncIterable<string>): AsyncGenerator<string> {
    await this.#call('keys', async () => undefined);
    yield* source;
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    this.calls.set(operation, this.count(operation) + 1);
    this.log?.push(`${this.backendType}:${operation}`);
    if (this.down.has(operation) || this.down.has('*')) {
      const error = Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:1 (${operation})`), {
        code: 'ECONNREFUSED',
      });
      throw toBackendError(error, operation);
    }
    const result = await run();
    // A slow reply: the store answered, the answer arrives later.
    const delay = this.delays.get(operation) ?? this.delays.get('*');
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    return result;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#call('get', () => this.inner.get(key));
  }
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    return this.#call('set', () => this.inner.set(key, value, ttlMs));
  }
  delete(key: string): Promise<boolean> {
    return this.#call('delete', () => this.inner.delete(key));
  }
  exists(key: string): Promise<boolean> {
    return this.#call('exists', () => this.inner.exists(key));
  }
  async healthCheck(): Promise<HealthStatus> {
    if (this.down.has('*') || this.down.has('healthCheck')) {
      return {
        healthy: false,
        latencyMs: 0,
        backendType: this.backendType,
        details: {},
        error: 'connection refused',
      };
    }
    return this.inner.healthCheck();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
