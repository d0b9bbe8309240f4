import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// Runs the README's example as it is. The script lives beside the package
// (so `@cachestack/undici` and its dev dependencies resolve) and runs in a
// temp dir (where it creates its SQLite file).
it('the README example runs and prints what its comments say', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet, 'a ```js block in the README').toBeDefined();
  const script = fileURLToPath(new URL(`./fixtures/readme-${process.pid}.mjs`, import.meta.url));
  const temp = await tempDir();
  await writeFile(script, snippet as string);
  try {
    const run = await promisify(execFile)(process.execPath, [script], {
      cwd: temp.dir,
      timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual([
      'hello #1',
      // The origin's Date has whole seconds, so the cache may count up to 1 s of age.
      expect.stringMatching(/^hello #1 \(Age: [01] s\)$/),
      'origin requests: 1',
    ]);
  } finally {
    await rm(script, { force: true });
    await temp.remove();
  }
});
