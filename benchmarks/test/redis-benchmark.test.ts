import { afterEach, describe, expect, it } from 'vitest';
import { parseRedisBenchmarkCsv, redisBenchmarkBinary } from '../src/redis-benchmark.mjs';

describe('redis-benchmark', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('parses the --csv output', () => {
    const csv = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"SET","22988.51","0.043","0.000","0.015","0.023","1.527","3.655"',
      '"GET","30769.23","0.032","0.000","0.015","0.023","0.119","4.151"',
    ].join('\n');
    expect(parseRedisBenchmarkCsv(csv)).toEqual({ SET: 22988.51, GET: 30769.23 });
    expect(() => parseRedisBenchmarkCsv('ERR')).toThrow(/no SET\/GET rates/);
  });

  it('fails with an install hint when redis-benchmark is missing', () => {
    process.env.PATH = '/nonexistent';
    expect(() => redisBenchmarkBinary()).toThrow(/apt-get install -y redis-tools/);
  });

  it('finds it on this machine', () => {
    expect(redisBenchmarkBinary()).toMatch(/redis-benchmark$/);
  });
});
