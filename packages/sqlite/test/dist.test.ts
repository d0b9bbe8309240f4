import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function run(script: string, type: 'module' | 'commonjs'): string {
  return execFileSync(process.execPath, [`--input-type=${type}`, '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
  }).trim();
}

const body = `
  const backend = new SqliteBackend({ path: ':memory:' });
  await backend.set('k', Buffer.from('v'));
  const value = await backend.get('k');
  await backend.close();
  console.log(typeof SqliteBackend, backend.backendType, Buffer.from(value).toString(),
    typeof SQLITE_ERROR_CLASSIFICATIONS.SQLITE_BUSY);
`;

describe('published entry points (dist/)', () => {
  it('ESM: import from the package name resolves dist/index.js and works', () => {
    const out = run(
      `import { SqliteBackend, SQLITE_ERROR_CLASSIFICATIONS } from '@cachestack/sqlite';
       ${body}`,
      'module',
    );
    expect(out).toBe('function sqlite v object');
  });

  it('CJS: require of the package name resolves dist/index.cjs and works', () => {
    const out = run(
      `const { SqliteBackend, SQLITE_ERROR_CLASSIFICATIONS } = require('@cachestack/sqlite');
       (async () => { ${body} })();`,
      'commonjs',
    );
    expect(out).toBe('function sqlite v object');
  });

  it('the exports map points at files that exist', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(new URL('../package.json', import.meta.url));
    expect(require.resolve('@cachestack/sqlite')).toMatch(/dist[\\/]index\.cjs$/);
    expect(require.resolve('@cachestack/sqlite/package.json')).toMatch(/package\.json$/);
  });
});
