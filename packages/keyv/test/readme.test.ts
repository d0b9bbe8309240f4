import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(join(packageDir, 'dist/index.js'))) {
  throw new Error('dist/ is missing: build the package with `npx tsup` before running the tests');
}

/** The README's ```js blocks, in order. */
function readmeSnippets(): string[] {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  return [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('README', () => {
  it('has one runnable snippet, and it prints what its comments say', async () => {
    const snippets = readmeSnippets();
    expect(snippets).toHaveLength(1);
    // Inside the package, so `@cachestack/keyv` (self-reference) and its dev
    // dependencies resolve as they would in a user's app; the SQLite file
    // lands in the same throwaway folder.
    const dir = mkdtempSync(join(packageDir, 'test/.readme-'));
    try {
      const script = join(dir, 'snippet.mjs');
      writeFileSync(script, snippets[0] ?? '');
      const run = await promisify(execFile)(process.execPath, [script], {
        cwd: dir,
        timeout: 20_000,
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n')).toEqual([
        "{ id: 42, name: 'Ada' }",
        'false',
        'built once',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
