import { describe, expect, it } from 'vitest';
import { FLOORS } from '../src/floors.mjs';
import { inputValue, workload } from '../src/harness.mjs';
import { OURS } from '../src/ours.mjs';
import { PEERS } from '../src/peers.mjs';

const ctx = { tmpDir: '/nonexistent', redisUrl: 'redis://127.0.0.1:1', redisPort: 1 };
const systems = [...FLOORS, ...OURS, ...PEERS].map((create) => create(ctx));
const byId = (id: string) => systems.find((system) => system.id === id);

describe('each implementation gets its natural input', () => {
  it('gives every peer strings and every backend and floor a Buffer', () => {
    const data = workload(100);
    for (const system of systems) {
      const value = inputValue(system, data);
      if (system.kind === 'peer') expect(typeof value, system.id).toBe('string');
      if (system.kind === 'floor') expect(Buffer.isBuffer(value), system.id).toBe(true);
    }
    for (const id of ['memory', 'sqlite', 'file', 'redis', 'redis-100', 'tiered', 'tiered-l2']) {
      expect(Buffer.isBuffer(inputValue(byId(id), data)), id).toBe(true);
    }
    for (const id of ['facade-memory', 'facade-redis', 'facade-tiered', 'getorset']) {
      expect(inputValue(byId(id), data), id).toBe(data.text);
    }
    expect(Buffer.byteLength(data.text)).toBe(100);
  });

  it('compares the facade and the backend rows with bentocache in both configurations', () => {
    for (const id of ['memory', 'facade-memory']) {
      expect(byId(id)?.peers).toEqual(
        expect.arrayContaining(['bentocache-memory', 'bentocache-memory-raw']),
      );
    }
    for (const id of ['tiered', 'facade-tiered']) {
      expect(byId(id)?.peers).toEqual(['bentocache-tiered', 'bentocache-tiered-raw']);
    }
  });

  it("runs bentocache's memory L1 with serialize: false next to its default", async () => {
    const held = { name: 'kept by reference without serialization' };
    for (const [id, sameObject] of [
      ['bentocache-memory', false],
      ['bentocache-memory-raw', true],
    ] as const) {
      const system = byId(id);
      await system.open();
      try {
        await system.set('object', held);
        const back = await system.get('object');
        expect(back, id).toEqual(held);
        expect(back === held, id).toBe(sameObject);
      } finally {
        await system.close();
      }
    }
  });

  it('reads back what each in-memory peer and the facade were given', async () => {
    const data = workload(10 * 1024);
    const keys = data.keys.slice(0, 20);
    for (const id of [
      'keyv-memory',
      'cache-manager',
      'cacheable',
      'bentocache-memory',
      'bentocache-memory-raw',
      'facade-memory',
    ]) {
      const system = byId(id);
      await system.open();
      try {
        await system.fill(keys, inputValue(system, data));
        expect(await system.get(keys[3]), id).toBe(data.text);
      } finally {
        await system.close();
      }
    }
  });
});
