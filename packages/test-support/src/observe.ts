import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import type { Logger, OperationTraceContext } from '@cachestack/core';

/** The five events of a `node:diagnostics_channel` tracing channel. */
export type TraceEventName = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

const TRACE_EVENT_NAMES: readonly TraceEventName[] = [
  'start',
  'end',
  'asyncStart',
  'asyncEnd',
  'error',
];

/** One tracing event: its name and a snapshot (shallow copy) of the context at that moment. */
export type TraceEvent = [event: TraceEventName, context: OperationTraceContext];

/**
 * Registers a recorder's `stop` to run when the test ends: vitest's
 * `onTestFinished` (called inside a test), or a function that pushes it on a
 * list an `afterEach` drains.
 */
export type StopWith = (stop: () => void) => void;

/** Options of {@link recordTraces}. */
export interface RecordTracesOptions {
  /**
   * Keeps only the events whose context this accepts (one `backendType`,
   * one `namespace`...), asked at each event. Default: every event.
   */
  filter?: (context: OperationTraceContext) => boolean;
  /** Hands `stop` over to run when the test ends. Default: none, call `stop()` yourself. */
  stopWith?: StopWith;
}

/** A real subscriber on a tracing channel and what it has seen so far. */
export interface TraceRecording {
  /** Every event kept, in the order published. */
  readonly events: TraceEvent[];
  /** Unsubscribes (a second call does nothing); `events` stays as it is. */
  stop(): void;
}

/**
 * Subscribes to every event of the tracing channel `name` (a real
 * subscriber, as an APM would) and keeps each event with a snapshot of its
 * context.
 */
export function recordTraces(name: string, options: RecordTracesOptions = {}): TraceRecording {
  const { filter, stopWith } = options;
  const events: TraceEvent[] = [];
  const handlers = Object.fromEntries(
    TRACE_EVENT_NAMES.map((event) => [
      event,
      (context: OperationTraceContext) => {
        if (filter === undefined || filter(context)) events.push([event, { ...context }]);
      },
    ]),
  );
  const channel = tracingChannel(name);
  channel.subscribe(handlers as never);
  let subscribed = true;
  const stop = (): void => {
    if (subscribed) channel.unsubscribe(handlers as never);
    subscribed = false;
  };
  stopWith?.(stop);
  return { events, stop };
}

/** The contexts of the events named `event` in `events`, in order. */
export function contextsOf(
  events: readonly TraceEvent[],
  event: TraceEventName,
): OperationTraceContext[] {
  return events.filter(([name]) => name === event).map(([, context]) => context);
}

/** The settled contexts (`asyncEnd`) of `events`, in order. */
export function settled(events: readonly TraceEvent[]): OperationTraceContext[] {
  return contextsOf(events, 'asyncEnd');
}

/** Options of {@link recordEvents}. */
export interface RecordEventsOptions {
  /** Hands `stop` over to run when the test ends. Default: none, call `stop()` yourself. */
  stopWith?: StopWith;
}

/** A real subscriber on a plain channel and the messages it has received. */
export interface EventRecording<T> {
  /** Every message received, in the order published. */
  readonly messages: T[];
  /** Unsubscribes; `messages` stays as it is. */
  stop(): void;
}

/** Subscribes to the plain channel `name` (`cachestack:breaker`, `cachestack:invalidation`), collecting every message. */
export function recordEvents<T>(
  name: string,
  options: RecordEventsOptions = {},
): EventRecording<T> {
  const messages: T[] = [];
  const listener = (message: unknown) => messages.push(message as T);
  subscribe(name, listener);
  const stop = (): void => {
    unsubscribe(name, listener);
  };
  options.stopWith?.(stop);
  return { messages, stop };
}

/** One log line a {@link memoryLogger} received. */
export interface LogLine {
  /** The method called. */
  level: keyof Logger;
  /** The fields object, as passed (not copied). */
  fields: Record<string, unknown>;
  /** The message. */
  message: string;
}

/** A pino-shaped logger that keeps every line, in order, in `lines`. */
export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A pino-shaped logger whose every method throws `new Error(message)` (default `'broken logger'`). */
export function throwingLogger(message = 'broken logger'): Logger {
  const fail = (): never => {
    throw new Error(message);
  };
  return { debug: fail, info: fail, warn: fail, error: fail };
}

/** Everything in `items`, printed in full (errors, nested objects), to search for leaked bytes. */
export function printed(items: readonly unknown[]): string {
  return items.map((item) => inspect(item, { depth: 6, showHidden: false })).join('\n');
}
