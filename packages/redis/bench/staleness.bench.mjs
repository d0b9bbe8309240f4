// Benchmark: how long another process's L1 keeps returning an old value after a
// write, with the Redis pub/sub bus vs Redis tracking (RedisTrackingInvalidation,
// 'prefix' and 'reads'), on a standalone server and on a local 3-master Cluster;
// where that time goes (hop by hop, run-queue waits, GC); and what tracking
// costs (server memory, invalidation messages per write) against the L1 hit
// ratio it keeps.
// Usage: pnpm turbo run build --filter=@cachestack/redis... --filter=@cachestack/tiered...
//        then, in packages/redis: BENCH_ROUNDS=300 node bench/staleness.bench.mjs
// BENCH_ROUNDS (default 300): rounds per row and reader, run in BENCH_BLOCKS
// (default 5) blocks that go round the rows, so a burst of machine load is
// spread over every row. BENCH_MS (default 2000): the hit-ratio phase per row.
// BENCH_RAW=<file.json>: also write every round's timestamps there.

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startCluster, startServer } from './redis-servers.mjs';
import { hitRatio, trackingCost } from './staleness-cost.mjs';
import { READER_STYLES, stalenessRounds } from './staleness-rounds.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const BLOCKS = Math.max(1, Math.min(ROUNDS, Number(process.env.BENCH_BLOCKS ?? 5)));
const HIT_RATIO_MS = Number(process.env.BENCH_MS ?? 2000);
/** The goal of the issue, and the threshold of the "tail" analysis, in ms. */
const GOAL_MS = 2;

const READER_LABELS = {
  event: 'event-timed (idle until L1 drops the key)',
  poll: 'polling (busy get loop)',
};
const ROWS = [
  ['bus', 'tiered', 'bus (RedisInvalidationBus), writer: tiered set()'],
  ['prefix', 'tiered', "tracking 'prefix' (BCAST), writer: tiered set()"],
  ['prefix', 'plain', "tracking 'prefix' (BCAST), writer: plain ioredis SET"],
  ['reads', 'tiered', "tracking 'reads' (default mode), writer: tiered set()"],
  ['reads', 'plain', "tracking 'reads' (default mode), writer: plain ioredis SET"],
];

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const sortedBy = (rounds, pick) => rounds.map(pick).sort((a, b) => a - b);
const ms = (value) => value.toFixed(2);
const spread = (sorted) =>
  `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 99))} / ${ms(sorted.at(-1))}`;

const startLoad = load();
const server = await startServer();
const cluster = await startCluster();
try {
  const targets = [
    ['standalone', { url: server.url }, [server.pid]],
    ['3-master Cluster', { nodes: cluster.nodes }, cluster.servers.map((s) => s.pid)],
  ];
  const rows = [];
  for (const [topology, target, pids] of targets) {
    for (const [source, writerKind, label] of ROWS) {
      if (source === 'reads' && target.nodes !== undefined) continue; // single server only
      const results = Object.fromEntries(
        READER_STYLES.map((style) => [style, { rounds: [], flushes: 0, messages: 0 }]),
      );
      rows.push({ topology, target, pids, source, writerKind, label, results });
    }
  }
  for (let block = 0; block < BLOCKS; block++) {
    const rounds = Math.floor(ROUNDS / BLOCKS) + (block < ROUNDS % BLOCKS ? 1 : 0);
    console.error(
      `block ${block + 1}/${BLOCKS} (${rounds} rounds per row and reader), load ${load()}`,
    );
    for (const row of rows) {
      const result = await stalenessRounds(
        row.target,
        row.source,
        row.writerKind,
        rounds,
        row.pids,
      );
      for (const style of READER_STYLES) {
        const merged = row.results[style];
        merged.rounds.push(...result[style].rounds);
        merged.flushes += result[style].counts.flushes;
        merged.messages += result[style].counts.messages;
      }
    }
  }
  const endLoad = load();
  if (process.env.BENCH_RAW) {
    // Every round's timestamps, for a closer look (BENCH_RAW=path.json).
    const raw = rows.map(({ topology, label, results }) => ({ topology, label, results }));
    writeFileSync(process.env.BENCH_RAW, JSON.stringify(raw));
  }

  console.log(
    `\nstaleness: ms from the write acknowledged (the writer's set() resolved / its SET reply) to the other process's L1 no longer returning the old value; ${ROUNDS} rounds per row and reader (interleaved: ${BLOCKS} blocks over the rows, the two readers alternating round by round); Node ${process.version}; load ${startLoad} at the start, ${endLoad} at the end\n`,
  );
  console.log(
    '- event-timed: the reader idles in its event loop; the time is when tiered fired `onInvalidate` for the key, confirmed by an `l1.get` and a `cache.get` that no longer return the old value.',
  );
  console.log(
    '- polling: the reader calls `cache.get` in a setImmediate loop (one CPU kept busy) until it returns another value; that includes its read from Redis after L1 dropped the key.',
  );
  console.log(
    '- a round whose invalidation arrived before the writer noted the acknowledgement counts as 0 ("before ack").\n',
  );
  console.log(
    '| topology | invalidation, writer | reader | p50 ms | p99 ms | max ms | before ack |',
  );
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    for (const style of READER_STYLES) {
      const { rounds } = row.results[style];
      const windows = sortedBy(rounds, (r) => Math.max(0, r.seenAt - r.ackAt));
      const early = rounds.filter((r) => r.seenAt < r.ackAt).length;
      const [p50, p99] = [percentile(windows, 50), percentile(windows, 99)];
      console.log(
        `| ${row.topology} | ${row.label} | ${READER_LABELS[style]} | ${ms(p50)} | ${ms(p99)} | ${ms(windows.at(-1))} | ${early} |`,
      );
    }
  }

  console.log(
    `\nwhere the time goes (p50 / p99 / max, ms): ack → received (the invalidation parsed off the tracking or bus socket in the reader), received → dropped (tiered's onInvalidate ran: L1 no longer has the key), dropped → seen (the reader noticed); tail: of the rounds over ${GOAL_MS} ms, how many the reader's or redis-server's run-queue wait (/proc/<pid>/schedstat) or the reader's GC pauses cover for at least half the window; late: invalidations of the write that stored the old value that arrived during the round (the event reader read the old value back and waited for the next)\n`,
  );
  console.log(
    '| topology | invalidation, writer | reader | ack → received | received → dropped | dropped → seen | reader run-queue wait | GC | tail (covered / over goal) | flushes | late |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: |');
  for (const row of rows) {
    for (const style of READER_STYLES) {
      const { rounds, flushes } = row.results[style];
      const over = rounds.filter((r) => r.seenAt - r.ackAt > GOAL_MS);
      const covered = over.filter(
        (r) => Math.max(r.readerWaitMs, r.serverWaitMs, r.gcMs) >= (r.seenAt - r.ackAt) / 2,
      );
      console.log(
        `| ${row.topology} | ${row.label} | ${style} | ${spread(sortedBy(rounds, (r) => r.receivedAt - r.ackAt))} | ${spread(sortedBy(rounds, (r) => r.droppedAt - r.receivedAt))} | ${spread(sortedBy(rounds, (r) => r.seenAt - r.droppedAt))} | ${spread(sortedBy(rounds, (r) => r.readerWaitMs))} | ${spread(sortedBy(rounds, (r) => r.gcMs))} | ${covered.length} / ${over.length} | ${flushes} | ${rounds.reduce((sum, r) => sum + r.late, 0)} |`,
      );
    }
  }

  console.log(
    '\ntracking cost on the server (a fresh standalone server per line; 10 caches read 20,000 keys of 100 B, then each key is written once, one SET at a time):\n',
  );
  console.log(
    '| mode | reads | used_memory growth during the reads | tracking_total_keys | tracking_total_prefixes | invalidation messages per write (all 10 caches) | keys invalidated per write (all 10 caches) |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [sharing, what] of [
    ['all', 'every cache reads every key'],
    ['tenth', 'each cache reads its own tenth'],
  ]) {
    for (const mode of ['prefix', 'reads']) {
      const cost = await trackingCost(mode, sharing);
      console.log(
        `| ${mode} | ${what} | ${(cost.bytes / 1e6).toFixed(2)} MB | ${cost.keys} | ${cost.prefixes} | ${cost.messagesPerWrite.toFixed(2)} | ${cost.keysPerWrite.toFixed(2)} |`,
      );
    }
  }

  console.log(
    `\nL1 hit ratio of a reader (80% of reads on 10% of 1,000 keys) while another process writes one key per ms (${HIT_RATIO_MS} ms per line):\n`,
  );
  console.log('| topology | invalidation | reads | writes | L1 hit ratio | messages per write |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const [topology, target] of targets) {
    for (const source of ['bus', 'prefix', 'reads']) {
      if (source === 'reads' && target.nodes !== undefined) continue;
      const r = await hitRatio(target, source, HIT_RATIO_MS);
      console.log(
        `| ${topology} | ${source} | ${r.reads} | ${r.writes} | ${(r.hitRatio * 100).toFixed(1)}% | ${r.messagesPerWrite.toFixed(2)} |`,
      );
    }
  }
  console.log(`\nload ${load()} at the end`);
} finally {
  await cluster.stop();
  await server.stop();
}
