import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// docs/migration.md: every ```js block runs with Node (inside this package,
// where every package it imports resolves) and prints what its `// →`
// comments say, in order. Blocks that use redis://127.0.0.1:6379 get this
// test's own redis-server instead.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const page = readFileSync(join(packageDir, '../../docs/migration.md'), 'utf8');
const snippets = [...page.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
const DOC_REDIS_URL = 'redis://127.0.0.1:6379';

/** The `// → expected` comments of a snippet, in order. */
function expectedOutput(snippet: string): string[] {
  return snippet
    .split('\n')
    .map((line) => /\/\/ → (.*)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined);
}

describe('docs/migration.md', () => {
  let redis: RedisServer;
  const dir = mkdtempSync(join(packageDir, 'test/.migration-'));
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has its snippets, each with expected output', () => {
    expect(snippets).toHaveLength(5);
    for (const snippet of snippets) expect(expectedOutput(snippet).length).toBeGreaterThan(0);
  });

  snippets.forEach((snippet, index) => {
    it(`snippet ${index + 1} prints what its comments say`, async () => {
      const script = join(dir, `snippet-${index + 1}.mjs`);
      writeFileSync(script, snippet.replaceAll(DOC_REDIS_URL, redis.url));
      const run = await promisify(execFile)(process.execPath, [script], {
        cwd: dir,
        timeout: 20_000,
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trimEnd().split('\n')).toEqual(expectedOutput(snippet));
    });
  });
});
