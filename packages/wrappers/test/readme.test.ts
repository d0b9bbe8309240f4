import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

test('the README example runs and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example, 'the README has a ```js block under "## Example"').toBeDefined();
  // Run from the package folder, where @cachestack/wrappers (self) and @cachestack/memory resolve.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', example as string],
    { cwd: packageDir, timeout: 20_000 },
  );
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('compressed(encrypted(memory))');
  const sizes = /^(\d+) bytes -> (\d+) stored, round trip ok$/.exec(lines[1] ?? '');
  expect(sizes, lines[1]).not.toBeNull();
  expect(Number(sizes?.[2])).toBeLessThan(Number(sizes?.[1]) / 4);
  expect(lines[2]).toBe('EncryptionKey { id: 1, key: [redacted] }');
  expect(lines[3]).toBe('PERMANENT CORRUPT');
});
