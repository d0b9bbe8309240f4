import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel';
import { isBackendError } from './errors.js';

/**
 * The names of cachestack's `node:diagnostics_channel` tracing channels.
 * They are stable: renaming one is a breaking change. Each fires the
 * standard `start` / `end` / `asyncStart` / `asyncEnd` / `error` events
 * (subscribe with `diagnostics_channel.tracingChannel(name).subscribe(...)`)
 * with a {@link OperationTraceContext}. With no subscriber nothing is built
 * or published.
 */
export const TRACING_CHANNEL_NAMES = {
  /** Every operation of every backend adapter (memory, file, sqlite, redis, wrappers...). */
  backend: 'cachestack:backend',
  /** Every operation of a tiered backend, with the tier that answered. */
  tiered: 'cachestack:tiered',
  /** Every operation of the typed facade (`@cachestack/cache`). */
  cache: 'cachestack:cache',
  /** Every request the HTTP cache (`@cachestack/http`) handles. */
  http: 'cachestack:http',
} as const;

/** One of {@link TRACING_CHANNEL_NAMES}' values. */
export type TracingChannelName = (typeof TRACING_CHANNEL_NAMES)[keyof typeof TRACING_CHANNEL_NAMES];

/**
 * How an operation ended, as seen by a tracer: `hit` / `miss` for reads and
 * existence checks (and `delete`: whether the key existed), `ok` for writes
 * and other operations that succeeded, `error` when it rejected. Layers
 * above bytes add their own (`stale`, `loaded`, `revalidated`, `bypass`...).
 */
export type TraceOutcome = 'hit' | 'miss' | 'ok' | 'error' | (string & {});

/**
 * What an operation's tracing events carry. It names keys, never values or
 * credentials. Fields after `operation` are filled as the operation runs;
 * layers add their own fields (a tiered backend's `tier`, the HTTP cache's
 * `method`).
 */
export interface OperationTraceContext {
  /** The backend's `backendType` (`memory`, `redis`, ...) or the layer (`cache`, `http`). */
  readonly backendType: string;
  /** The namespace (key prefix) the instance works in, when it has one. */
  readonly namespace: string | undefined;
  /** The operation: `get`, `set`, `delete`, `getMany`, `acquireLock`, `getOrSet`... */
  readonly operation: string;
  /** The key, for single-key operations. */
  readonly key: string | undefined;
  /** How many keys a batch operation names (`getMany`, `setMany`, `deleteMany`). */
  readonly keyCount: number | undefined;
  /** When the operation started (`performance.now()`, ms). */
  readonly startedAt: number;
  /** How long it took, in ms; set before `asyncEnd` (and `error`) are published. */
  durationMs?: number;
  /** How it ended (set before `asyncEnd` is published). */
  outcome?: TraceOutcome;
  /** For batch reads: how many keys were found. */
  hits?: number;
  /** The rejection, when it failed. */
  error?: unknown;
  /** The failure's `BackendError` type (`TRANSIENT`, `PERMANENT`, ...), when it has one. */
  errorType?: string;
  /** The failure's `BackendError` code (`TIMEOUT`, `CLOSED`, ...), when it has one. */
  errorCode?: string;
  /** Layer-specific fields. */
  [field: string]: unknown;
}

/** The outcome of a settled backend operation, from its name and result (never the value). */
function outcomeOf(context: OperationTraceContext, result: unknown): TraceOutcome {
  switch (context.operation) {
    case 'get':
    case 'getWithTtl':
      return result === undefined ? 'miss' : 'hit';
    case 'exists':
    case 'delete':
      return result === true ? 'hit' : 'miss';
    case 'getMany':
    case 'getManyWithTtl': {
      if (Array.isArray(result)) {
        let hits = 0;
        for (const value of result) if (value !== undefined) hits++;
        context.hits = hits;
        return hits === result.length ? 'hit' : hits === 0 ? 'miss' : 'partial';
      }
      return 'ok';
    }
    default:
      return 'ok';
  }
}

/**
 * Publishes one kind of operation on a tracing channel. One instance per
 * backend instance (it carries the backend type and namespace); the hot path
 * is one `hasSubscribers` check when nobody listens.
 *
 * Use {@link OperationTracer.active} to skip building anything, then
 * {@link OperationTracer.trace}:
 * ```ts
 * get(key) {
 *   return this.#tracer.active ? this.#tracer.trace('get', key, undefined, () => this.#get(key)) : this.#get(key);
 * }
 * ```
 */
export class OperationTracer {
  readonly #channel: TracingChannel<unknown, OperationTraceContext>;
  readonly #backendType: string;
  readonly #namespace: string | undefined;

  /**
   * @param name - the channel (one of {@link TRACING_CHANNEL_NAMES}).
   * @param backendType - the instance's `backendType` (or layer name).
   * @param namespace - the instance's namespace, when it has one.
   */
  constructor(name: TracingChannelName, backendType: string, namespace?: string) {
    this.#channel = tracingChannel(name) as TracingChannel<unknown, OperationTraceContext>;
    this.#backendType = backendType;
    this.#namespace = namespace === '' ? undefined : namespace;
  }

  /** True when someone subscribed to the channel (check it before building anything). */
  get active(): boolean {
    return this.#channel.hasSubscribers;
  }

  /** A fresh context for `operation` (for callers that add fields before {@link OperationTracer.traceContext}). */
  context(operation: string, key?: string, keyCount?: number): OperationTraceContext {
    return {
      backendType: this.#backendType,
      namespace: this.#namespace,
      operation,
      // A call rejected for a bad key is traced too: never put a non-string there.
      key: typeof key === 'string' ? key : undefined,
      keyCount,
      startedAt: performance.now(),
    };
  }

  /**
   * Runs `run` traced: `start`, then `end` once it returned its promise,
   * then `asyncStart`/`asyncEnd` when the promise settles (with `outcome`
   * and `durationMs` set), or `error` first when it rejects or throws. The
   * result (a value) is never put on the context. Subscribers run inside
   * `start.runStores`, so an `AsyncLocalStorage` bound to `start` (an
   * OpenTelemetry context) is active inside `run`.
   * @param keyCount - for batch operations, how many keys they name.
   */
  trace<T>(
    operation: string,
    key: string | undefined,
    keyCount: number | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    return this.traceContext(this.context(operation, key, keyCount), run);
  }

  /**
   * {@link OperationTracer.trace} with a context built by the caller. When
   * `outcome` is already set on the context when the operation settles
   * (the layer knew better: `stale`, `loaded`), it is kept.
   */
  traceContext<T>(context: OperationTraceContext, run: () => Promise<T>): Promise<T> {
    const channel = this.#channel;
    return channel.start.runStores(context, () => {
      let promise: Promise<T>;
      try {
        promise = run();
      } catch (error) {
        fail(channel, context, error);
        channel.end.publish(context);
        throw error;
      }
      channel.end.publish(context);
      return promise.then(
        (result) => {
          context.durationMs = performance.now() - context.startedAt;
          if (context.outcome === undefined) context.outcome = outcomeOf(context, result);
          channel.asyncStart.publish(context);
          channel.asyncEnd.publish(context);
          return result;
        },
        (error: unknown) => {
          fail(channel, context, error);
          channel.asyncStart.publish(context);
          channel.asyncEnd.publish(context);
          throw error;
        },
      );
    });
  }
}

/** Records a failure on the context and publishes `error`. */
function fail(
  channel: TracingChannel<unknown, OperationTraceContext>,
  context: OperationTraceContext,
  error: unknown,
): void {
  context.durationMs = performance.now() - context.startedAt;
  context.outcome = 'error';
  context.error = error;
  if (isBackendError(error)) {
    context.errorType = error.type;
    context.errorCode = error.code;
  } else if (error instanceof Error) {
    context.errorType = error.name;
  }
  channel.error.publish(context);
}
