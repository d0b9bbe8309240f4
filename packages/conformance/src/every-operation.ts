import { type BaseBackend, hasCapability } from '@cachestack/core';
import { utf8 } from './assertions.js';
import type { ConformanceHarness } from './harness.js';

/** Every operation of `backend` (and its claimed capabilities) as `[name, call]`. */
export function everyOperation(
  h: ConformanceHarness,
  backend: BaseBackend,
): [string, () => Promise<unknown>][] {
  const calls: [string, () => Promise<unknown>][] = [
    ['get', () => backend.get('k')],
    ['set', () => backend.set('k', utf8('v'))],
    ['delete', () => backend.delete('k')],
    ['exists', () => backend.exists('k')],
  ];
  if (h.claims('ttl') && hasCapability(backend, 'ttl')) {
    calls.push(
      ['getTtl', () => backend.getTtl('k')],
      ['refreshTtl', () => backend.refreshTtl('k', 1000)],
    );
  }
  if (h.claims('lock') && hasCapability(backend, 'lock')) {
    calls.push(['acquireLock', () => backend.acquireLock('k', { ttlMs: 1000 })]);
  }
  if (h.claims('batch') && hasCapability(backend, 'batch')) {
    calls.push(
      ['getMany', () => backend.getMany(['k'])],
      ['setMany', () => backend.setMany([{ key: 'k', value: utf8('v') }])],
      ['deleteMany', () => backend.deleteMany(['k'])],
    );
  }
  if (h.claims('clear') && hasCapability(backend, 'clear'))
    calls.push(['clear', () => backend.clear()]);
  if (h.claims('keys') && hasCapability(backend, 'keys')) {
    calls.push([
      'keys',
      async () => {
        for await (const _ of backend.keys()) {
          // drain
        }
      },
    ]);
  }
  if (h.claims('timeout') && hasCapability(backend, 'timeout')) {
    calls.push([
      'get inside withTimeout',
      () => backend.withTimeout('*', 5_000, () => backend.get('k')),
    ]);
  }
  return calls;
}
