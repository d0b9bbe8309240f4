import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';

// The built files, as users load them: the bundler must keep class names.
describe('built error classes keep their names', () => {
  it.each([
    ['import', async () => import('@cachestack/core')],
    ['require', async () => createRequire(import.meta.url)('@cachestack/core')],
  ])('through %s', async (_via, load) => {
    const core = (await load()) as typeof import('@cachestack/core');
    expect(core.BackendError.name).toBe('BackendError');
    expect(core.CapabilityNotAvailableError.name).toBe('CapabilityNotAvailableError');
    const error = new core.BackendError({ type: 'PERMANENT', code: 'X', message: 'boom' });
    const shown = inspect(error);
    expect(shown.startsWith('BackendError: ')).toBe(true);
    expect(shown).not.toContain('_BackendError');
  });
});
