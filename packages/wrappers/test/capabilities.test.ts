import { CAPABILITY_NAMES, type CapabilityName, hasCapability } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { baseOnly } from '@cachestack/test-support';
import { describe, expect, test } from 'vitest';
import { AdaptiveTimeoutBackend, CompressionBackend } from '../src/index.js';
import { WRAPPER_CASES } from './support/wrappers.js';

function capabilities(backend: object): CapabilityName[] {
  return CAPABILITY_NAMES.filter((name) => hasCapability(backend as never, name));
}

describe('each wrapper exposes exactly the capabilities it can honour', () => {
  test.each(WRAPPER_CASES.map((wrapper) => [wrapper.name, wrapper] as const))(
    '%s: all of a MemoryBackend, none of a base-only backend (adaptive timeouts add withTimeout)',
    async (name, { wrap }) => {
      const full = wrap(new MemoryBackend(), 'caps');
      const bare = wrap(baseOnly(new MemoryBackend()), 'caps');
      try {
        expect(capabilities(full)).toEqual([...CAPABILITY_NAMES]);
        const adds = name === 'AdaptiveTimeoutBackend' || name.startsWith('presetBackend');
        expect(capabilities(bare)).toEqual(adds ? ['timeout'] : []);
      } finally {
        await Promise.all([full.close(), bare.close()]);
      }
    },
  );

  test('closeInner: false leaves the wrapped backend open; the default closes it', async () => {
    const inner = new MemoryBackend();
    const kept = new CompressionBackend(inner, { closeInner: false });
    await kept.close();
    await inner.set('k', Buffer.from('still open'));
    await expect(kept.get('k')).rejects.toMatchObject({ type: 'PERMANENT', code: 'CLOSED' });
    const owning = new AdaptiveTimeoutBackend(inner);
    await owning.close();
    await expect(inner.get('k')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
