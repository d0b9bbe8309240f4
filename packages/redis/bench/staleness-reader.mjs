// The reader process of staleness.bench.mjs: a tiered cache driven over IPC.
// argv: target (JSON), source, namespace, style ('event' or 'poll').
// Times are process.hrtime (CLOCK_MONOTONIC: one clock for every process).
//
// Each round reports three moments, so the window can be split into hops:
// - receivedAt: the invalidation reached this process (the
//   `cachestack:invalidation` 'received' event, published synchronously when
//   the tracking or bus socket's data is parsed, just before L1 is changed);
// - droppedAt: tiered's `onInvalidate` fired for the key (L1 no longer has it);
// - seenAt: the reader observed that `cache.get` no longer returns the old value.
//   'event' reader: idle in the event loop until `onInvalidate`, then one
//   `l1.get` and one `cache.get` confirm it (seenAt is the onInvalidate moment).
//   'poll' reader: busy-polls `cache.get` with setImmediate (one CPU kept busy).
// An invalidation of the write that stored the old value can arrive during the
// round (late: the Cluster bus takes up to tens of ms). The event reader's
// confirmation then reads the old value back from Redis (the new write has not
// landed), which refills L1: that drop is counted as `late`, and the round
// goes on until a later one. A stale read after the real invalidation would
// therefore never end the round: the run fails on the reader's timeout.
// Plus the run-queue wait of this process during the round (/proc/self/schedstat:
// time it was runnable but not running) and the GC pauses that overlapped it.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { tieredPeer } from './tiered-peer.mjs';

const [targetJson, source, namespace, style] = process.argv.slice(2);
const peer = await tieredPeer(JSON.parse(targetJson), source, namespace, `reader-${process.pid}`);
const decode = (value) => (value === undefined ? null : Buffer.from(value).toString());
const now = () => Number(process.hrtime.bigint()) / 1e6;
// performance.now() has a per-process origin: shift GC entries onto the hrtime clock.
const perfOffset = now() - performance.now();

/** Nanoseconds this process has spent runnable but waiting for a CPU (0 where /proc lacks it). */
function runQueueWaitNs() {
  try {
    return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

const gcPauses = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcPauses.push({ start: entry.startTime + perfOffset, duration: entry.duration });
  }
}).observe({ entryTypes: ['gc'] });

/** The round being watched: its key, old value and the moments seen so far. */
let round;

const onInvalidation = (event) => {
  if (round !== undefined && event.kind === 'received') round.receivedAt = now();
};
subscribe('cachestack:invalidation', onInvalidation);

peer.cache.onInvalidate((event) => {
  const watched = round;
  if (watched === undefined) return;
  if (event.kind === 'clear' || event.keys.includes(watched.key)) {
    watched.droppedAt = now();
    if (style === 'event') void confirm(watched, watched.receivedAt, watched.droppedAt);
  }
});

/** The event reader's check, after a drop at `droppedAt`: L1 and the cache no longer return the old value. */
async function confirm(watched, receivedAt, droppedAt) {
  const inL1 = decode(await peer.l1.get(watched.key));
  const value = decode(await peer.cache.get(watched.key));
  if (inL1 === watched.old || value === watched.old) {
    watched.late += 1; // an earlier write's invalidation: L1 holds the old value again
    return;
  }
  finish(watched, { type: 'seen', seenAt: droppedAt, receivedAt, droppedAt });
}

function finish(watched, result) {
  if (round !== watched) return;
  round = undefined;
  clearTimeout(watched.timer);
  const gc = gcPauses.filter((pause) => pause.start + pause.duration >= watched.startedAt);
  gcPauses.length = 0;
  process.send({
    receivedAt: watched.receivedAt,
    droppedAt: watched.droppedAt,
    ...result,
    late: watched.late,
    runQueueWaitMs: (runQueueWaitNs() - watched.waitNs) / 1e6,
    gcMs: gc.reduce((sum, pause) => sum + pause.duration, 0),
  });
}

async function poll(watched) {
  while (round === watched) {
    if (decode(await peer.cache.get(watched.key)) !== watched.old) {
      finish(watched, { type: 'seen', seenAt: now() });
      return;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

process.on('message', async (message) => {
  if (message.type === 'settle') {
    // Read until the value is in L1 and stays there (the invalidation of the
    // write that produced it may drop the first backfilled copy).
    let stable = 0;
    const deadline = Date.now() + 10_000;
    while (stable < 3 && Date.now() < deadline) {
      const value = decode(await peer.cache.get(message.key));
      const inL1 = decode(await peer.l1.get(message.key));
      stable = value === message.expect && inL1 === value ? stable + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const inL1 = decode(await peer.l1.get(message.key));
    process.send({
      type: 'settled',
      inL1,
      value: decode(await peer.cache.get(message.key)),
      // What the cache says about itself when L1 would not take the value (for the error).
      health: inL1 === message.expect ? undefined : await peer.cache.healthCheck(),
      l2TtlMs:
        inL1 === message.expect ? undefined : (await peer.backend.getWithTtl(message.key))?.ttlMs,
    });
  } else if (message.type === 'watch') {
    gcPauses.length = 0;
    const watched = {
      key: message.key,
      old: message.old,
      startedAt: now(),
      waitNs: runQueueWaitNs(),
      receivedAt: undefined,
      droppedAt: undefined,
      late: 0,
    };
    watched.timer = setTimeout(() => finish(watched, { type: 'timeout' }), 10_000);
    round = watched;
    process.send({ type: 'watching' });
    if (style === 'poll') void poll(watched);
  } else if (message.type === 'counts') {
    // What arrived during the rounds (not the flush that follows turning tracking on).
    const counts = {};
    for (const [field, value] of Object.entries(peer.counts))
      counts[field] = value - atReady[field];
    process.send({ type: 'counts', ...counts });
  } else if (message.type === 'exit') {
    unsubscribe('cachestack:invalidation', onInvalidation);
    await peer.close();
    process.exit(0);
  }
});
const atReady = { ...peer.counts };
process.send({ type: 'ready' });
