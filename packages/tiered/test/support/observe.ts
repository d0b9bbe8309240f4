import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import type { Logger, OperationTraceContext } from '@cachestack/core';

/** One tracing event: its name and a snapshot of the context at that moment. */
export type TraceEvent = [event: string, context: OperationTraceContext];

/** Subscribes to every event of the tracing channel `name` (a real subscriber). */
export function recordTraces(name: string): { events: TraceEvent[]; stop: () => void } {
  const events: TraceEvent[] = [];
  const handlers = Object.fromEntries(
    ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => [
      event,
      (context: OperationTraceContext) => events.push([event, { ...context }]),
    ]),
  );
  const channel = tracingChannel(name);
  channel.subscribe(handlers as never);
  return { events, stop: () => channel.unsubscribe(handlers as never) };
}

/** The settled contexts (`asyncEnd`) of `events`, in order. */
export function settled(events: readonly TraceEvent[]): OperationTraceContext[] {
  return events.filter(([event]) => event === 'asyncEnd').map(([, context]) => context);
}

/** Subscribes to the plain channel `name`, collecting every message. */
export function recordEvents<T>(name: string): { messages: T[]; stop: () => void } {
  const messages: T[] = [];
  const listener = (message: unknown) => messages.push(message as T);
  subscribe(name, listener);
  return { messages, stop: () => unsubscribe(name, listener) };
}

/** One log line a {@link memoryLogger} received. */
export interface LogLine {
  level: keyof Logger;
  fields: Record<string, unknown>;
  message: string;
}

/** A pino-shaped logger that keeps every line. */
export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Everything in `items`, printed in full (errors, nested objects), to search for leaked bytes. */
export function printed(items: readonly unknown[]): string {
  return items.map((item) => inspect(item, { depth: 6, showHidden: false })).join('\n');
}
