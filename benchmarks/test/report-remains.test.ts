import { describe, expect, it } from 'vitest';
import { renderRemains } from '../src/report-remains.mjs';

const row = (fields: Record<string, unknown>) => ({
  family: 'memory',
  size: 100,
  operation: 'set',
  p50: 1,
  p99: 2,
  ops: 1,
  measurement: 1,
  ...fields,
});

describe('What remains', () => {
  it('says so when every target was met', () => {
    const rows = [
      row({
        id: 'memory',
        label: 'M',
        kind: 'ours',
        opsPerSec: 1,
        floorRatio: 1.1,
        floorTarget: 1.3,
      }),
    ];
    expect(renderRemains(rows)).toBe('Every target was met in this run.');
  });

  it('lists a missed target with the ratio against the copying floor from this run', () => {
    const rows = [
      row({
        id: 'lru-cache-copy',
        label: 'copy floor',
        kind: 'floor',
        opsPerSec: 300,
        perRound: [300, 200],
      }),
      row({
        id: 'memory',
        label: '@cachestack/memory MemoryBackend',
        kind: 'ours',
        opsPerSec: 200,
        perRound: [200, 200],
        floorRatio: 4,
        floorTarget: 1.3,
        floorSpread: [3.5, 4.5],
      }),
    ];
    const text = renderRemains(rows);
    expect(text).toContain('**@cachestack/memory MemoryBackend** — 100 B set: 4.00× floor time.');
    expect(text).toContain('against it this run measured 1.50× (rounds 1.00×–1.50×) on 100 B set');
  });

  it('flags a miss that lies within the round-by-round spread', () => {
    const rows = [
      row({
        id: 'redis',
        label: 'R',
        kind: 'ours',
        family: 'redis',
        opsPerSec: 1,
        floorRatio: 1.15,
        floorTarget: 1.1,
        floorSpread: [1.02, 1.2],
      }),
    ];
    expect(renderRemains(rows)).toContain(
      "1.15× floor time (the target lies within this run's round-by-round range: floor time 1.02×–1.20×)",
    );
  });

  it('describes the current Redis write path, not ioredis auto-pipelining', () => {
    const rows = ['redis', 'redis-100'].map((id) =>
      row({ id, label: id, kind: 'ours', family: 'redis', opsPerSec: 1, peerSpeedup: 1.2 }),
    );
    const text = renderRemains(rows);
    expect(text).toContain('process.nextTick');
    expect(text).toContain('one MGET');
    expect(text).not.toMatch(/auto-pipelin/i);
    expect(text).not.toContain('not analysed yet');
  });
});
