import type { InvalidationMessage } from '@cachestack/core';
import { isBackendError } from '@cachestack/core';
import { check, describeError, sleep, utf8, violation } from '../assertions.js';
import type { SuiteCase, SuiteGroup } from '../suite/suite.js';
import type { BusHarness, ResolvedBusOptions } from './bus-options.js';

type BusCase = SuiteCase<BusHarness, ResolvedBusOptions>;
type BusGroup = SuiteGroup<BusHarness, ResolvedBusOptions>;

/** The local TTL cap of nodes in cases that must not rely on it, in ms. */
const LONG_CAP_MS = 60_000;
/** The local TTL cap of the lost-message case, in ms. */
const SHORT_CAP_MS = 400;
/** Extra time allowed beyond a bound, in ms (timers, a loaded machine). */
const SLACK_MS = 250;

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

/** Polls `read` until it returns `expected`; fails with `rule` when `withinMs` passed first. */
async function eventually(
  read: () => Promise<string | undefined>,
  expected: string,
  withinMs: number,
  rule: string,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  let last: string | undefined;
  for (;;) {
    last = await read();
    if (last === expected) return;
    if (Date.now() > deadline) {
      violation(
        rule,
        `still read ${JSON.stringify(last)} ${withinMs} ms later, expected ${JSON.stringify(expected)}`,
      );
    }
    await sleep(10);
  }
}

/** Two nodes sharing a store; `reader` holds a local copy of `key` = `v1`. */
async function readerWithCopy(harness: BusHarness, capMs: number, key: string) {
  const writer = await harness.node(capMs);
  const reader = await harness.node(capMs);
  await writer.node.set(key, utf8('v1'));
  const rule = 'a node must read what another node wrote to the shared store';
  await eventually(
    async () => text(await reader.node.get(key)),
    'v1',
    harness.options.deliveryMs,
    rule,
  );
  return { writer, reader };
}

function collector() {
  const seen: InvalidationMessage[] = [];
  return {
    seen,
    handlers: {
      onMessage: (message: InvalidationMessage) => void seen.push(message),
      onReconnect: () => {},
    },
  };
}

async function waitForCount(
  seen: unknown[],
  count: number,
  withinMs: number,
  rule: string,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (seen.length < count) {
    if (Date.now() > deadline)
      violation(rule, `${seen.length} of ${count} messages arrived within ${withinMs} ms`);
    await sleep(5);
  }
}

const messagesIntact: BusCase = {
  name: 'a message reaches every subscriber, the publisher included, intact (unicode and 1024-byte keys, 1,000 keys, clear)',
  why: 'catches buses that deliver to one subscriber only, skip the publisher, truncate key lists, mangle non-ASCII keys or drop clear messages',
  run: async (harness) => {
    const rule = 'every subscriber must receive every message intact';
    const publisher = await harness.bus();
    const other = await harness.bus();
    const own = collector();
    const remote = collector();
    await publisher.subscribe(own.handlers);
    await other.subscribe(remote.handlers);
    const keys = [
      'plain',
      'ключ/🎉',
      'e\u0301',
      'x'.repeat(1024),
      ...Array.from({ length: 996 }, (_, i) => `k${i}`),
    ];
    const messages: InvalidationMessage[] = [
      { origin: 'o1', namespace: harness.namespace, kind: 'keys', keys },
      { origin: 'o1', namespace: harness.namespace, kind: 'clear' },
    ];
    for (const message of messages) await publisher.publish(message);
    for (const [name, seen] of [
      ['the publisher', own.seen],
      ['another handle', remote.seen],
    ] as const) {
      await waitForCount(seen, 2, harness.options.deliveryMs, rule);
      const mine = seen.filter((message) => message.origin === 'o1');
      check(mine.length === 2, rule, `${name} received ${mine.length} messages, expected 2`);
      const [first, second] = mine;
      check(
        first?.kind === 'keys' && first.namespace === harness.namespace,
        rule,
        `${name} received ${JSON.stringify(first).slice(0, 120)}`,
      );
      check(
        JSON.stringify(first.keys) === JSON.stringify(keys),
        rule,
        `${name} received ${first.keys?.length ?? 0} keys, not the ${keys.length} sent (or changed)`,
      );
      check(
        second?.kind === 'clear',
        rule,
        `${name} received ${JSON.stringify(second)} instead of the clear message`,
      );
    }
  },
};

const unsubscribeStops: BusCase = {
  name: 'after unsubscribe a subscriber receives nothing more; other subscribers still do',
  why: 'catches buses whose unsubscribe is a no-op (a closed cache keeps receiving) or drops every subscriber',
  run: async (harness) => {
    const rule = 'unsubscribe must stop delivery to that subscriber only';
    const bus = await harness.bus();
    const gone = collector();
    const kept = collector();
    const stop = await bus.subscribe(gone.handlers);
    await bus.subscribe(kept.handlers);
    await stop();
    await bus.publish({ origin: 'o', namespace: harness.namespace, kind: 'clear' });
    await waitForCount(kept.seen, 1, harness.options.deliveryMs, rule);
    await sleep(50);
    check(
      gone.seen.length === 0,
      rule,
      `an unsubscribed handler received ${gone.seen.length} messages`,
    );
  },
};

const closeClassified: BusCase = {
  name: 'close is idempotent; publish after close rejects with a classified BackendError',
  why: 'catches buses that throw a raw Error (unclassified) or hang after close, or whose second close throws',
  run: async (harness) => {
    const rule = 'a closed bus must reject with a classified BackendError';
    const bus = await harness.bus();
    await bus.close();
    await bus.close();
    try {
      await bus.publish({ origin: 'o', namespace: harness.namespace, kind: 'clear' });
    } catch (error) {
      if (!isBackendError(error) || error.type === 'UNKNOWN')
        violation(rule, `got ${describeError(error)}`);
      return;
    }
    violation(rule, 'publish after close resolved');
  },
};

/** The bus alone. */
export const busGroup: BusGroup = {
  name: 'bus',
  description:
    'delivery to every subscriber (the publisher included), messages intact, unsubscribe, close',
  cases: [messagesIntact, unsubscribeStops, closeClassified],
};

const needsNodes = (options: ResolvedBusOptions) =>
  options.createNode === undefined ? 'needs createNode' : undefined;

const deliveredDrops: BusCase = {
  name: "a write in one node drops another node's local copy within deliveryMs",
  why: 'catches a bus or node that never applies invalidations (each process serves its own copy until the TTL cap)',
  run: async (harness) => {
    const { writer, reader } = await readerWithCopy(harness, LONG_CAP_MS, 'k');
    await writer.node.set('k', utf8('v2'));
    const rule = 'a delivered invalidation must drop the local copy';
    await eventually(
      async () => text(await reader.node.get('k')),
      'v2',
      harness.options.deliveryMs,
      rule,
    );
  },
};

const lossBounded: BusCase = {
  name: "a lost message leaves another node's copy fresh no longer than its local TTL cap",
  why: 'catches local tiers without a TTL cap (a lost pub/sub message then leaves a stale copy forever): the documented staleness bound',
  run: async (harness) => {
    const { writer, reader } = await readerWithCopy(harness, SHORT_CAP_MS, 'k');
    reader.bus.fault = 'drop';
    const written = Date.now();
    await writer.node.set('k', utf8('v2'));
    const rule = 'a local copy must never outlive its TTL cap when invalidations are lost';
    const remaining = SHORT_CAP_MS + SLACK_MS - (Date.now() - written);
    await eventually(
      async () => text(await reader.node.get('k')),
      'v2',
      Math.max(remaining, 0),
      rule,
    );
  },
};

const duplicatesHarmless: BusCase = {
  name: 'duplicated messages: every later write still drops the copy (write, read, write again)',
  why: 'catches nodes that deduplicate messages by content, so a second invalidation of the same key from the same origin is ignored and the copy stays stale',
  run: async (harness) => {
    const { writer, reader } = await readerWithCopy(harness, LONG_CAP_MS, 'k');
    reader.bus.fault = 'duplicate';
    const rule = 'duplicated messages must not stop later invalidations';
    for (const value of ['v2', 'v3']) {
      await writer.node.set('k', utf8(value));
      await eventually(
        async () => text(await reader.node.get('k')),
        value,
        harness.options.deliveryMs,
        rule,
      );
    }
  },
};

const reorderHarmless: BusCase = {
  name: 'reordered messages: every key of every message is dropped, whatever the order',
  why: 'catches nodes that assume FIFO delivery (apply only the newest message of a burst, or skip a message that arrives after a later one)',
  run: async (harness) => {
    const writer = await harness.node(LONG_CAP_MS);
    const reader = await harness.node(LONG_CAP_MS);
    const keys = ['a', 'b', 'c'];
    const rule = 'reordered invalidations must all apply';
    for (const key of keys) {
      await writer.node.set(key, utf8('v1'));
      await eventually(
        async () => text(await reader.node.get(key)),
        'v1',
        harness.options.deliveryMs,
        rule,
      );
    }
    reader.bus.fault = 'reorder';
    for (const key of keys) await writer.node.set(key, utf8('v2'));
    const deadline = Date.now() + harness.options.deliveryMs;
    while (reader.bus.heldCount < keys.length && Date.now() < deadline) await sleep(5);
    reader.bus.fault = 'none';
    await reader.bus.release();
    for (const key of keys) {
      await eventually(
        async () => text(await reader.node.get(key)),
        'v2',
        harness.options.deliveryMs,
        rule,
      );
    }
  },
};

const reconnectFlushes: BusCase = {
  name: 'after a reconnect, a copy whose invalidation was lost is dropped (not kept until its TTL cap)',
  why: 'catches buses that never report a reconnect (or nodes that ignore it): messages lost while disconnected then leave copies stale until the cap',
  skip: (options) =>
    needsNodes(options) ?? (options.reconnect === undefined ? 'needs reconnect' : undefined),
  run: async (harness) => {
    const { writer, reader } = await readerWithCopy(harness, LONG_CAP_MS, 'k');
    reader.bus.fault = 'drop'; // the message is lost while the connection is down
    await writer.node.set('k', utf8('v2'));
    await sleep(50);
    reader.bus.fault = 'none';
    await harness.options.reconnect?.(reader.bus.inner);
    const rule = 'a reconnect must drop local copies (messages may have been missed)';
    await eventually(
      async () => text(await reader.node.get('k')),
      'v2',
      harness.options.deliveryMs + 5_000,
      rule,
    );
  },
};

/** Nodes over a shared store: the staleness bound under faults. */
export const stalenessGroup: BusGroup = {
  name: 'staleness bound',
  description:
    'nodes with local copies over one store: delivery, then loss (bounded by the local TTL cap), duplication, reordering and a reconnect (copies flushed)',
  skip: needsNodes,
  cases: [deliveredDrops, lossBounded, duplicatesHarmless, reorderHarmless, reconnectFlushes],
};
