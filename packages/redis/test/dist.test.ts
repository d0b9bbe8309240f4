import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('published entry points', () => {
  it('has been built (run `npx tsup` first)', () => {
    expect(existsSync(join(packageDir, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(packageDir, 'dist/index.cjs'))).toBe(true);
  });

  it('loads through ESM import and CJS require by package name', async () => {
    const script = (loader: string) => `
      ${loader}
      const backend = new m.RedisBackend({ url: 'redis://127.0.0.1:1', namespace: 'dist' });
      if (backend.backendType !== 'redis' || backend.client.status !== 'wait') process.exit(2);
      backend.close().then(() => console.log(Object.keys(m).sort().join(',')));
    `;
    const esm = await run(
      process.execPath,
      ['--input-type=module', '-e', script("import * as m from '@cachestack/redis';")],
      { cwd: packageDir },
    );
    const cjs = await run(
      process.execPath,
      ['-e', script("const m = require('@cachestack/redis');")],
      { cwd: packageDir },
    );
    expect(esm.stdout.trim()).toContain('RedisBackend');
    expect(cjs.stdout.trim()).toBe(esm.stdout.trim());
  });
});
