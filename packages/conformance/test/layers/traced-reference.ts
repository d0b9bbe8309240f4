import {
  assertValidKey,
  type BaseBackend,
  type HealthStatus,
  normalizeTtl,
  OperationTracer,
  TRACING_CHANNEL_NAMES,
} from '@cachestack/core';
import type { ReferenceBackend } from '@cachestack/test-support';

/** One deliberate defect of {@link TracedReference}. */
export type TracingDefect = 'delete-untraced' | 'validates-outside-tracer' | 'value-on-context';

/** A reference backend traced on `cachestack:backend` through core's OperationTracer. */
export class TracedReference implements BaseBackend {
  readonly backendType = 'traced-reference';
  readonly #inner: ReferenceBackend;
  readonly #tracer: OperationTracer;
  readonly #defect: TracingDefect | undefined;

  constructor(inner: ReferenceBackend, namespace: string, defect?: TracingDefect) {
    this.#inner = inner;
    this.#defect = defect;
    this.#tracer = new OperationTracer(TRACING_CHANNEL_NAMES.backend, this.backendType, namespace);
  }

  #traced<T>(
    operation: string,
    key: string,
    run: () => Promise<T>,
    value?: Uint8Array,
  ): Promise<T> {
    if (!this.#tracer.active) return run();
    const context = this.#tracer.context(operation, key);
    if (this.#defect === 'value-on-context' && value !== undefined)
      context.value = Buffer.from(value).toString('hex');
    return this.#tracer.traceContext(context, run);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#traced('get', key, () => this.#inner.get(key));
  }

  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    if (this.#defect === 'validates-outside-tracer') {
      try {
        assertValidKey(key, 'set');
        normalizeTtl(ttlMs, 'set', key);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#traced('set', key, () => this.#inner.set(key, value, ttlMs), value);
  }

  delete(key: string): Promise<boolean> {
    if (this.#defect === 'delete-untraced') return this.#inner.delete(key);
    return this.#traced('delete', key, () => this.#inner.delete(key));
  }

  exists(key: string): Promise<boolean> {
    return this.#traced('exists', key, () => this.#inner.exists(key));
  }

  healthCheck(): Promise<HealthStatus> {
    return this.#inner.healthCheck();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
