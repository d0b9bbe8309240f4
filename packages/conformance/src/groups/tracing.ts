import { tracingChannel } from 'node:diagnostics_channel';
import type { OperationTraceContext } from '@cachestack/core';
import { check, utf8 } from '../assertions.js';
import type { ConformanceCase, ConformanceGroup } from '../conformance-case.js';
import type { ConformanceHarness } from '../harness.js';

/** One published tracing event, with a snapshot of its context at that moment. */
interface Seen {
  readonly event: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';
  readonly context: Readonly<OperationTraceContext>;
}

/**
 * Subscribes a real subscriber to the backend's tracing channel while `run`
 * runs; returns the events of this backend (its `backendType`) whose key
 * contains `token`.
 */
async function recordEvents(
  harness: ConformanceHarness,
  backendType: string,
  token: string,
  run: () => Promise<unknown>,
): Promise<Seen[]> {
  const channel = tracingChannel<unknown, OperationTraceContext>(
    harness.options.tracingChannel ?? '',
  );
  const seen: Seen[] = [];
  const record = (event: Seen['event']) => (context: OperationTraceContext) => {
    seen.push({ event, context: { ...context } });
  };
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  };
  channel.subscribe(handlers);
  try {
    await run().catch(() => undefined);
  } finally {
    channel.unsubscribe(handlers);
  }
  return seen.filter(
    (entry) =>
      entry.context.backendType === backendType &&
      typeof entry.context.key === 'string' &&
      entry.context.key.includes(token),
  );
}

function ended(seen: Seen[]): string[] {
  return seen
    .filter((entry) => entry.event === 'asyncEnd')
    .map((entry) => `${entry.context.operation} ${String(entry.context.outcome)}`);
}

const skip = (options: { tracingChannel?: string }) =>
  options.tracingChannel === undefined ? 'needs tracingChannel' : undefined;

const scripted: ConformanceCase = {
  name: 'every operation of a scripted sequence is traced once, with its operation, key and outcome',
  why: 'catches adapters that trace some operations only (a delete or exists path that skips the runner), report a miss as a hit, or publish an operation twice',
  skip,
  run: async (harness) => {
    const backend = await harness.create();
    const token = `trace-${harness.namespace}`;
    const key = `${token}-k`;
    const seen = await recordEvents(harness, backend.backendType, token, async () => {
      await backend.set(key, utf8('v'));
      await backend.get(key);
      await backend.get(`${token}-missing`);
      await backend.exists(key);
      await backend.delete(key);
      await backend.delete(key);
    });
    const expected = ['set ok', 'get hit', 'get miss', 'exists hit', 'delete hit', 'delete miss'];
    const rule = 'every operation must be traced once with its outcome';
    check(
      JSON.stringify(ended(seen)) === JSON.stringify(expected),
      rule,
      `expected asyncEnd events ${JSON.stringify(expected)}, got ${JSON.stringify(ended(seen))}`,
    );
    const starts = seen.filter((entry) => entry.event === 'start').length;
    check(
      starts === expected.length,
      rule,
      `${starts} start events for ${expected.length} operations`,
    );
    for (const entry of seen.filter((item) => item.event === 'asyncEnd')) {
      const duration = entry.context.durationMs;
      check(
        typeof duration === 'number' && duration >= 0,
        rule,
        `${entry.context.operation} ended with durationMs ${String(duration)}`,
      );
    }
  },
};

const failure: ConformanceCase = {
  name: 'a failed operation is traced with outcome error, its error type and code',
  why: 'catches adapters that validate or fail outside the traced runner (the failure never reaches a subscriber) or publish an error without its BackendError type and code',
  skip,
  run: async (harness) => {
    const backend = await harness.create();
    const token = `trace-${harness.namespace}`;
    const seen = await recordEvents(harness, backend.backendType, token, () =>
      backend.set(`${token}-k`, utf8('v'), -1),
    );
    const rule = 'a failure must be traced with its error type and code';
    const errors = seen.filter((entry) => entry.event === 'error');
    check(errors.length === 1, rule, `${errors.length} error events for one failed set(ttl -1)`);
    const context = errors[0]?.context;
    check(
      context?.errorType === 'PERMANENT' &&
        context.errorCode === 'INVALID_TTL' &&
        context.outcome === 'error',
      rule,
      `the error event carries errorType ${String(context?.errorType)}, errorCode ${String(context?.errorCode)}, outcome ${String(context?.outcome)}`,
    );
  },
};

/** True when `value` (searched through objects, arrays and errors, 4 levels) holds `marker`. */
function holds(value: unknown, marker: Buffer, depth = 0): boolean {
  if (depth > 4 || value === null || value === undefined) return false;
  if (typeof value === 'string')
    return value.includes(marker.toString('utf8')) || value.includes(marker.toString('hex'));
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).includes(marker);
  if (typeof value !== 'object') return false;
  const fields = value instanceof Error ? { message: value.message, cause: value.cause } : value;
  return Object.values(fields).some((field) => holds(field, marker, depth + 1));
}

const noValues: ConformanceCase = {
  name: 'no traced context carries value bytes',
  why: 'catches adapters that put the value (or its hex or text) on the trace context, which leaks cached secrets to every tracing subscriber',
  skip,
  run: async (harness) => {
    const backend = await harness.create();
    const token = `trace-${harness.namespace}`;
    const marker = utf8(`secret-value-${harness.namespace}-0123456789abcdef`);
    const seen = await recordEvents(harness, backend.backendType, token, async () => {
      await backend.set(`${token}-k`, marker);
      await backend.get(`${token}-k`);
      await backend.set(`${token}-bad`, marker, -1).catch(() => undefined);
    });
    check(
      seen.length > 0,
      'no traced context may carry a value',
      'no events were published for this backend',
    );
    const leaking = seen.filter((entry) => holds(entry.context, marker));
    check(
      leaking.length === 0,
      'no traced context may carry a value',
      `the value appears in ${leaking.map((entry) => `${entry.context.operation}/${entry.event}`).join(', ')}`,
    );
  },
};

/** Tracing on `node:diagnostics_channel`, checked with a real subscriber (opt-in). */
export const tracingGroup: ConformanceGroup = {
  name: 'tracing',
  description:
    'with a real subscriber on the tracingChannel: each operation traced once with its outcome, failures with type and code, never a value',
  cases: [scripted, failure, noValues],
};
