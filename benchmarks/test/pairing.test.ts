import { describe, expect, it } from 'vitest';
import { compare, pairedSpread } from '../src/compare.mjs';
import {
  LATENCY_ROUNDS,
  latencyRounds,
  measureOperation,
  quantile,
  THROUGHPUT_QUANTILE,
  workload,
} from '../src/harness.mjs';
import { orderForPairs } from '../src/pair-order.mjs';

/** A system over a Map; `spin` µs of busy work per call makes it slower. */
function mapSystem(id: string, spin: number, extra: Record<string, unknown> = {}) {
  const map = new Map<string, Buffer>();
  const busy = () => {
    const until = performance.now() + spin / 1000;
    while (performance.now() < until);
  };
  return {
    id,
    label: id,
    kind: 'floor',
    family: 'memory',
    ops: 1_000_000,
    get: async (key: string) => {
      busy();
      return map.get(key);
    },
    set: async (key: string, value: Buffer) => {
      busy();
      map.set(key, value);
    },
    ...extra,
  };
}

describe('measureOperation (interleaved short batches)', () => {
  it('keeps one batch per round and reports a near-best batch as ops/s', async () => {
    const fast = mapSystem('fast', 0);
    const slow = mapSystem('slow', 20);
    const data = workload(100);
    const stats = await measureOperation([fast, slow], 'set', data, {
      scale: 1,
      rounds: 6,
      budgetMs: 5,
    });
    for (const system of [fast, slow]) {
      const stat = stats.get(system);
      expect(stat?.perRound).toHaveLength(6);
      expect(stat?.opsPerSec).toBe(quantile(stat?.perRound ?? [], THROUGHPUT_QUANTILE));
      expect(stat?.p50).toBeGreaterThan(0);
      expect(stat?.measurement).toBe(stats.get(fast)?.measurement);
    }
    // 20 µs of busy work per call caps the slow system near 50k ops/s.
    expect(stats.get(slow)?.opsPerSec).toBeLessThan(55_000);
    expect(stats.get(fast)?.opsPerSec).toBeGreaterThan(2 * (stats.get(slow)?.opsPerSec ?? 0));
  });

  it('reports the third best of 20 batches, not the single best', () => {
    const batches = Array.from({ length: 20 }, (_, i) => (i + 1) * 1000);
    expect(quantile(batches, THROUGHPUT_QUANTILE)).toBe(18_000);
  });

  it('takes latency samples in a few rounds spread over the run', () => {
    expect([...latencyRounds(20)]).toEqual([0, 6, 13]);
    expect([...latencyRounds(1)]).toEqual([0]);
    expect(latencyRounds(100).size).toBe(LATENCY_ROUNDS);
  });
});

describe('ratios from the same rounds', () => {
  const result = (id: string, perRound: number[], measurement: number) => ({
    id,
    family: 'memory',
    size: 100,
    operation: 'get hit',
    opsPerSec: Math.max(...perRound),
    perRound,
    measurement,
    p50: 1,
    p99: 2,
    ops: 1,
  });

  it('gives the interquartile range of the round-by-round ratio', () => {
    const floor = result('lru-cache', [100, 100, 100, 100], 1);
    const ours = result('memory', [50, 100, 80, 40], 1);
    expect(pairedSpread(floor, ours)).toEqual([1, 2]); // ratios 2, 1, 1.25, 2.5 (nearest rank)
  });

  it('has no spread when the two sides were measured in different rounds', () => {
    const floor = result('ioredis', [100, 100], 1);
    const ours = result('tiered', [50, 50], 2);
    expect(pairedSpread(floor, ours)).toBeUndefined();
  });

  it('compares best batches and attaches both spreads', () => {
    const systems = [
      { id: 'lru-cache', label: 'floor', kind: 'floor', family: 'memory' },
      {
        id: 'memory',
        label: 'ours',
        kind: 'ours',
        family: 'memory',
        floor: 'lru-cache',
        peers: ['keyv-memory'],
      },
      { id: 'keyv-memory', label: 'peer', kind: 'peer', family: 'memory' },
    ];
    const [floorRow, oursRow] = compare(systems, [
      result('lru-cache', [200, 300, 250], 1),
      result('memory', [100, 200, 150], 1),
      result('keyv-memory', [50, 100, 60], 1),
    ]);
    expect(floorRow?.floorRatio).toBeUndefined();
    expect(oursRow?.floorRatio).toBe(1.5);
    expect(oursRow?.floorSpread).toEqual([1.5, 2]); // ratios 2, 1.5, 1.67
    expect(oursRow?.peerSpeedup).toBe(2);
    expect(oursRow?.peerSpread).toEqual([2, 2.5]);
  });
});

describe('orderForPairs', () => {
  const system = (id: string, kind: string, extra: Record<string, unknown> = {}) => ({
    id,
    kind,
    ...extra,
  });

  it('puts each of ours right after its floor, adapters with a target first', () => {
    const systems = [
      system('lru-cache', 'floor'),
      system('lru-cache-copy', 'floor'),
      system('memory', 'ours', { floor: 'lru-cache' }),
      system('getorset', 'ours', { floor: 'memory' }),
      system('tiered', 'ours', { floor: 'ioredis', floors: { 'get hit': 'memory' } }),
      system('keyv-memory', 'peer'),
    ];
    const ids = (operation: string) => orderForPairs(systems, operation).map((s) => s.id);
    expect(ids('get hit')).toEqual([
      'lru-cache',
      'memory',
      'tiered',
      'getorset',
      'lru-cache-copy',
      'keyv-memory',
    ]);
    // For set, tiered's floor (ioredis) is measured elsewhere: it keeps its place.
    expect(ids('set')).toEqual([
      'lru-cache',
      'memory',
      'getorset',
      'lru-cache-copy',
      'tiered',
      'keyv-memory',
    ]);
  });
});
