// The reader process of staleness.bench.mjs: a tiered cache driven over IPC.
// Times are process.hrtime (CLOCK_MONOTONIC: one clock for every process).
import { tieredPeer } from './tiered-peer.mjs';

const [targetJson, source, namespace] = process.argv.slice(2);
const peer = await tieredPeer(JSON.parse(targetJson), source, namespace, `reader-${process.pid}`);
const decode = (value) => (value === undefined ? null : Buffer.from(value).toString());
const now = () => Number(process.hrtime.bigint()) / 1e6;

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
    process.send({ type: 'settled', inL1: decode(await peer.l1.get(message.key)) });
  } else if (message.type === 'watch') {
    // Read as fast as possible until the old value is gone; report when.
    process.send({ type: 'watching' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (decode(await peer.cache.get(message.key)) !== message.old) {
        process.send({ type: 'seen', at: now() });
        return;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.send({ type: 'timeout' });
  } else if (message.type === 'counts') {
    process.send({ type: 'counts', ...peer.counts });
  } else if (message.type === 'exit') {
    await peer.close();
    process.exit(0);
  }
});
process.send({ type: 'ready' });
