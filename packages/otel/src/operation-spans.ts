import { AsyncLocalStorage } from 'node:async_hooks';
import { isBackendError, type OperationTraceContext } from '@cachestack/core';
import {
  type Context,
  context as otelContext,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { endAttributes, startAttributes } from './attributes.js';

/**
 * The `AsyncLocalStorage` behind the global OpenTelemetry context manager,
 * when it is the Node one (`AsyncLocalStorageContextManager`, which the
 * Node SDK registers). Binding it on a tracing channel's `start` makes an
 * operation's span the active OpenTelemetry context inside the operation,
 * so any span started there (a nested cachestack call, a `getOrSet`
 * loader's database query, an ioredis span) is its child.
 */
function contextManagerStorage(): AsyncLocalStorage<Context> | undefined {
  const api = otelContext as unknown as { _getContextManager?: () => unknown };
  const manager =
    typeof api._getContextManager === 'function' ? api._getContextManager() : undefined;
  const storage = (manager as { _asyncLocalStorage?: unknown } | undefined)?._asyncLocalStorage;
  return storage instanceof AsyncLocalStorage ? (storage as AsyncLocalStorage<Context>) : undefined;
}

/**
 * True while an {@link OperationSpans} has the OpenTelemetry store bound: a
 * channel keeps one transform per store, so a second live instrumentation
 * would replace the first one's. The second uses a store of its own.
 */
let sharedStoreTaken = false;

/**
 * One span per traced operation. The span starts in the `start` store
 * transform (its parent is the active OpenTelemetry context), becomes the
 * active context while the operation runs, and ends when the operation
 * settles, with the outcome and, on failure, an error status.
 */
export class OperationSpans {
  readonly #tracer: Tracer;
  readonly #recordKeys: boolean;
  readonly #spans = new WeakMap<OperationTraceContext, Span>();
  /** The store bound on every channel's `start`: OpenTelemetry's own when it can be found. */
  readonly store: AsyncLocalStorage<Context>;
  /**
   * True when {@link OperationSpans.store} is this instance's own: cachestack
   * spans nest among themselves, but spans others start inside an operation
   * do not see them.
   */
  readonly ownStore: boolean;

  constructor(tracer: Tracer, recordKeys: boolean) {
    this.#tracer = tracer;
    this.#recordKeys = recordKeys;
    const shared = sharedStoreTaken ? undefined : contextManagerStorage();
    if (shared !== undefined) sharedStoreTaken = true;
    this.store = shared ?? new AsyncLocalStorage<Context>();
    this.ownStore = shared === undefined;
  }

  /** Gives the OpenTelemetry store back (call once its bindings are removed). */
  dispose(): void {
    if (!this.ownStore) sharedStoreTaken = false;
  }

  /**
   * Starts the span of `context` (an operation of `layer`) and returns the
   * OpenTelemetry context the operation runs in (the `start` store transform).
   */
  start(layer: string, context: OperationTraceContext): Context {
    const parent = (this.ownStore ? this.store.getStore() : undefined) ?? otelContext.active();
    const span = this.#tracer.startSpan(
      `cachestack.${layer} ${context.operation}`,
      { kind: SpanKind.INTERNAL, attributes: startAttributes(layer, context, this.#recordKeys) },
      parent,
    );
    this.#spans.set(context, span);
    return trace.setSpan(parent, span);
  }

  /** Ends the span of a settled operation (once; later calls do nothing). */
  finish(context: OperationTraceContext): void {
    const span = this.#spans.get(context);
    if (span === undefined) return;
    this.#spans.delete(context);
    span.setAttributes(endAttributes(context, this.#recordKeys));
    if (context.outcome === 'error') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: this.#statusMessage(context) });
      if (this.#recordKeys && context.error instanceof Error) span.recordException(context.error);
    }
    span.end();
  }

  /** A status message that names the key only with `recordKeys` (a BackendError's message does). */
  #statusMessage(context: OperationTraceContext): string {
    const error = context.error;
    if (this.#recordKeys && error instanceof Error) return error.message;
    if (isBackendError(error)) return `${error.type} ${error.code}`;
    return context.errorType ?? 'error';
  }
}
