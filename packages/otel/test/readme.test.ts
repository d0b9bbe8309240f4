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

/** Runs `code` as a module inside the package, so `@cachestack/otel` resolves by name. */
async function run(code: string): Promise<string[]> {
  const dir = mkdtempSync(join(packageDir, 'test/.readme-'));
  try {
    const script = join(dir, 'snippet.mjs');
    writeFileSync(script, code);
    const result = await promisify(execFile)(process.execPath, [script], {
      cwd: dir,
      timeout: 20_000,
    });
    expect(result.stderr).toBe('');
    return result.stdout.trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README', () => {
  const snippets = readmeSnippets();

  it('has two runnable snippets', () => {
    expect(snippets).toHaveLength(2);
  });

  it('the first prints the tiered spans its comments say', async () => {
    expect(await run(snippets[0] ?? '')).toEqual([
      'cachestack.tiered get hit 0',
      'cachestack.tiered get miss -',
    ]);
  });

  it('the Prometheus recipe serves the lookups it counted', async () => {
    expect(await run(snippets[1] ?? '')).toEqual(['2']);
  });
});
