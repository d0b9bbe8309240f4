// The staleness rounds of staleness.bench.mjs: one writer (this process), two
// reader processes (an event-timed one and a busy-polling one, see
// staleness-reader.mjs) that take turns, round by round, on one namespace.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { tieredPeer } from './tiered-peer.mjs';

const READER = fileURLToPath(new URL('./staleness-reader.mjs', import.meta.url));
const ROUND_TIMEOUT_MS = 15_000;
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** The reader styles, in the order their rounds alternate. */
export const READER_STYLES = ['event', 'poll'];

function startReader(target, source, namespace, style) {
  const child = fork(READER, [JSON.stringify(target), source, namespace, style], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** Resolves with the next message of one of `types`; rejects on a reader error or timeout. */
  const next = (...types) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`the ${style} reader sent no ${types.join('/')}`));
      }, ROUND_TIMEOUT_MS);
      const onExit = (code) => {
        settle();
        reject(
          new Error(`the ${style} reader exited (code ${code}) before sending ${types.join('/')}`),
        );
      };
      const onMessage = (message) => {
        if (types.includes(message.type)) {
          settle();
          resolve(message);
        } else if (message.type === 'timeout' || message.type === 'error') {
          settle();
          reject(new Error(`the ${style} reader: ${message.message ?? 'never saw the write'}`));
        }
      };
      const settle = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  return {
    style,
    next,
    send: (message) => child.send(message),
    async exit() {
      if (child.exitCode === null) child.send({ type: 'exit' });
      await exited;
    },
  };
}

/** Nanoseconds `pid` has waited on a run queue (0 where /proc lacks it). */
function runQueueWaitNs(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

/**
 * Runs `rounds` staleness rounds per reader style, alternating styles.
 * Each round: the writer sets the old value, the reader settles it in its
 * L1, the reader starts watching, the writer writes the new value (a tiered
 * `set()` or a plain ioredis `SET`, per `writerKind`) and notes when it was
 * acknowledged. The reader reports when it received the invalidation, when L1
 * dropped the key, and when it saw the old value gone.
 * @param serverPids - redis-server pids, for their run-queue wait per round.
 * @returns per style: `{ rounds: [...], counts }`; each round has `ackAt`,
 *   `receivedAt`, `droppedAt`, `seenAt`, `readerWaitMs`, `serverWaitMs`, `gcMs`, `late`
 *   (invalidations of the previous write that arrived during the round, event reader).
 */
export async function stalenessRounds(target, source, writerKind, rounds, serverPids) {
  const namespace = `stale-${randomUUID()}`;
  const readers = READER_STYLES.map((style) => startReader(target, source, namespace, style));
  const writer = await tieredPeer(target, source, namespace, 'writer');
  const plain = target.url !== undefined ? new Redis(target.url) : new Cluster(target.nodes);
  const results = Object.fromEntries(READER_STYLES.map((style) => [style, { rounds: [] }]));
  const serverWait = () => serverPids.reduce((sum, pid) => sum + runQueueWaitNs(pid), 0);
  try {
    await Promise.all(readers.map((reader) => reader.next('ready')));
    for (let round = 0; round < rounds * readers.length; round++) {
      const reader = readers[round % readers.length];
      const key = `k${round % 32}`;
      const old = `old-${round}`;
      await writer.cache.set(key, Buffer.from(old));
      reader.send({ type: 'settle', key, expect: old });
      const settled = await reader.next('settled');
      if (settled.inL1 !== old) {
        throw new Error(
          `${source}, ${writerKind} writer, round ${round}: L1 did not settle on ${old} in 10 s (L1: ${settled.inL1}, cache: ${settled.value}, L2 TTL: ${settled.l2TtlMs} ms); health: ${JSON.stringify(settled.health)}`,
        );
      }
      reader.send({ type: 'watch', key, old });
      await reader.next('watching');
      const seen = reader.next('seen');
      seen.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
      const serverWaitBefore = serverWait();
      if (writerKind === 'plain') await plain.set(`cs:${namespace}:d:${key}`, `new-${round}`);
      else await writer.cache.set(key, Buffer.from(`new-${round}`));
      const ackAt = now();
      const report = await seen;
      results[reader.style].rounds.push({
        ackAt,
        receivedAt: report.receivedAt,
        droppedAt: report.droppedAt,
        seenAt: report.seenAt,
        readerWaitMs: report.runQueueWaitMs,
        serverWaitMs: (serverWait() - serverWaitBefore) / 1e6,
        gcMs: report.gcMs,
        late: report.late,
      });
    }
    for (const reader of readers) {
      reader.send({ type: 'counts' });
      results[reader.style].counts = await reader.next('counts');
    }
    return results;
  } finally {
    await Promise.all(readers.map((reader) => reader.exit()));
    await writer.close();
    plain.disconnect();
  }
}
