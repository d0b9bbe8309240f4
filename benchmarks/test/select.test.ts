import { describe, expect, it } from 'vitest';
import { parseOnly, selectSystems } from '../src/select.mjs';

const system = (id: string, fields: Record<string, unknown> = {}) => ({ id, ...fields });

const SYSTEMS = [
  system('lru-cache'),
  system('ioredis'),
  system('ioredis-pipelined'),
  system('memory', { floor: 'lru-cache', peers: ['keyv-memory'] }),
  system('getorset', { floor: 'memory', peers: ['cacheable-getorset'] }),
  system('getorset-object-tier', { floor: 'memory', peers: ['cacheable-getorset'] }),
  system('redis', { floor: 'ioredis', peers: ['keyv-redis'] }),
  system('redis-100', { floor: 'ioredis-pipelined', peers: ['keyv-redis-100'] }),
  system('keyv-memory'),
  system('cacheable-getorset'),
  system('keyv-redis'),
  system('keyv-redis-100'),
];

const ids = (list: { id: string }[]) => list.map((s) => s.id);

describe('BENCH_ONLY', () => {
  it('parses comma-separated ids and treats an empty value as a full run', () => {
    expect(parseOnly(undefined)).toBeUndefined();
    expect(parseOnly(' , ')).toBeUndefined();
    expect(parseOnly('memory, redis-')).toEqual(['memory', 'redis-']);
  });

  it('keeps a full run whole', () => {
    expect(selectSystems(SYSTEMS, undefined)).toBe(SYSTEMS);
  });

  it('selects ids by prefix with the floors and peers they are compared with, in order', () => {
    expect(ids(selectSystems(SYSTEMS, ['getorset']))).toEqual([
      'memory',
      'getorset',
      'getorset-object-tier',
      'cacheable-getorset',
    ]);
    expect(ids(selectSystems(SYSTEMS, ['redis-']))).toEqual([
      'ioredis-pipelined',
      'redis-100',
      'keyv-redis-100',
    ]);
  });

  it('rejects an entry that matches nothing, naming the known ids', () => {
    expect(() => selectSystems(SYSTEMS, ['sqlite'])).toThrow(/"sqlite" matches no row id.*memory/);
  });
});
