import { LOCAL_READ, LOCAL_READ_UNAVAILABLE, type Logger } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalInvalidationBus, TieredBackend, type TieredInvalidationEvent } from '../src/index.js';
import { bytes, text, waitFor } from './support/helpers.js';

// `onInvalidate`: hear what the bus made this instance drop from its local tiers.
const open: TieredBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return {
    debug: noop,
    info: noop,
    error: noop,
    warn: (_f, message) => warnings.push(message),
    warnings,
  };
}

async function pair(logger?: Logger) {
  const bus = new LocalInvalidationBus();
  const shared = new MemoryBackend();
  const l1b = new MemoryBackend();
  const a = new TieredBackend({
    tiers: [new MemoryBackend(), shared],
    closeTiers: false,
    invalidation: { bus, namespace: 'app', origin: 'a' },
  });
  const b = new TieredBackend({
    tiers: [l1b, shared],
    closeTiers: false,
    invalidation: { bus, namespace: 'app', origin: 'b' },
    logger,
  });
  open.push(a, b);
  await Promise.all([a.ready(), b.ready()]);
  return { bus, a, b, l1b };
}

describe('TieredBackend.onInvalidate', () => {
  it('fires after L1 dropped the keys of a message, and for clear; not for own writes', async () => {
    const { a, b, l1b } = await pair();
    const events: TieredInvalidationEvent[] = [];
    b.onInvalidate((event) => events.push(event));
    await a.set('k', bytes('v1'));
    expect(text(await b.get('k'))).toBe('v1');
    events.length = 0;
    await a.set('k', bytes('v2'));
    expect(await l1b.get('k')).toBeUndefined();
    await b.set('own', bytes('x')); // its own write: no event
    await a.clear?.();
    expect(events).toEqual([
      { kind: 'keys', keys: ['k'], reason: 'message' },
      { kind: 'clear', reason: 'message' },
    ]);
  });

  it('the listener runs after the copy is gone from L1', async () => {
    const { a, b, l1b } = await pair();
    await a.set('k', bytes('v1'));
    expect(text(await b.get('k'))).toBe('v1');
    expect(text(await l1b.get('k'))).toBe('v1');
    const inL1AtEvent: (Uint8Array | undefined)[] = [];
    b.onInvalidate(() => {
      const local = l1b[LOCAL_READ]('k');
      inL1AtEvent.push(local === LOCAL_READ_UNAVAILABLE ? bytes('unavailable') : local);
    });
    await a.delete('k');
    expect(inL1AtEvent).toEqual([undefined]);
    expect(await l1b.get('k')).toBeUndefined();
  });

  it('a throwing listener is logged and does not stop the drop or other listeners', async () => {
    const logger = recordingLogger();
    const { a, b, l1b } = await pair(logger);
    await a.set('k', bytes('v1'));
    await b.get('k');
    const heard: string[] = [];
    b.onInvalidate(() => {
      throw new Error('listener broke');
    });
    b.onInvalidate((event) => heard.push(event.kind));
    await a.set('k', bytes('v2'));
    expect(await l1b.get('k')).toBeUndefined();
    expect(heard).toEqual(['keys']);
    expect(logger.warnings).toEqual(['an onInvalidate listener threw (ignored)']);
    expect(text(await b.get('k'))).toBe('v2');
  });

  it('unsubscribe stops the events; a bus reconnect fires a clear', async () => {
    const { bus, a, b } = await pair();
    const events: TieredInvalidationEvent[] = [];
    const unsubscribe = b.onInvalidate((event) => events.push(event));
    bus.simulateReconnect();
    await waitFor(() => events.length === 1, 2_000);
    expect(events).toEqual([{ kind: 'clear', reason: 'reconnect' }]);
    events.length = 0;
    await a.set('k', bytes('v'));
    unsubscribe();
    unsubscribe();
    await a.set('k', bytes('v2'));
    expect(events).toEqual([{ kind: 'keys', keys: ['k'], reason: 'message' }]);
    expect(() => b.onInvalidate(undefined as never)).toThrow(TypeError);
  });
});
