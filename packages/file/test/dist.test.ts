import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runNode } from '@cachestack/test-support';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers.js';

const esmEntry = new URL('../dist/index.js', import.meta.url);
const cjsEntry = new URL('../dist/index.cjs', import.meta.url);

function requireBuild(): void {
  if (!existsSync(esmEntry) || !existsSync(cjsEntry)) {
    throw new Error('dist/ is missing: run `npx tsup` in packages/file first');
  }
}

describe('published entry points', () => {
  it('the ESM build loads and round-trips a value', async () => {
    requireBuild();
    const dir = await makeTempDir();
    const script = `
      import { FileBackend } from ${JSON.stringify(esmEntry.href)};
      const backend = new FileBackend({ directory: ${JSON.stringify(dir)} });
      await backend.set('k', new Uint8Array([1, 2, 3]));
      const value = await backend.get('k');
      await backend.close();
      process.stdout.write(JSON.stringify([backend.backendType, [...value]]));
    `;
    const run = await runNode('--input-type=module', ['-e', script]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['file', [1, 2, 3]]);
    const { FileBackend } = (await import(esmEntry.href)) as typeof import('../src/index.js');
    const backend = new FileBackend({ directory: dir });
    await backend.set('esm', new Uint8Array([4]));
    expect([...((await backend.get('esm')) as Uint8Array)]).toEqual([4]);
    await backend.close();
  });

  it('the CJS build loads with require and round-trips a value', async () => {
    requireBuild();
    const dir = await makeTempDir();
    const script = `
      const { FileBackend } = require(${JSON.stringify(cjsEntry.pathname)});
      const backend = new FileBackend({ directory: ${JSON.stringify(dir)} });
      backend.set('k', new Uint8Array([7])).then(() => backend.get('k')).then(async (value) => {
        await backend.close();
        process.stdout.write(JSON.stringify([backend.backendType, [...value]]));
      });
    `;
    const run = await runNode('-e', [script]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['file', [7]]);
    const require = createRequire(import.meta.url);
    const { FileBackend, HEADER_BYTES } = require(
      cjsEntry.pathname,
    ) as typeof import('../src/index.js');
    expect(HEADER_BYTES).toBe(28);
    const backend = new FileBackend({ directory: dir });
    expect(backend.backendType).toBe('file');
    await backend.set('cjs', new Uint8Array([5, 6]));
    expect([...((await backend.get('cjs')) as Uint8Array)]).toEqual([5, 6]);
    await backend.close();
  });
});
