import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ReadmeSnippet, RedisServer, readmeSnippets, runNode } from '@cachestack/test-support';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every js/ts block of the root README, each public package's README and docs/ runs here, for
// real, unless a `<!-- snippet: not run (reason) -->` marker above it says why it cannot.
const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = fileURLToPath(new URL('../.snippets', import.meta.url));

/** Public packages' README paths (private packages document internals, not an API). */
function packageReadmes(): string[] {
  return readdirSync(join(root, 'packages'))
    .filter((name) => {
      const manifest = JSON.parse(
        readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'),
      );
      return manifest.private !== true;
    })
    .map((name) => join(root, 'packages', name, 'README.md'));
}

const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(root, 'docs', name));
const files = [join(root, 'README.md'), ...packageReadmes(), ...docs];
const snippets = files.filter((file) => existsSync(file)).flatMap((file) => readmeSnippets(file));
const name = (snippet: ReadmeSnippet) =>
  `${relative(root, snippet.file)} #${snippet.index} (line ${snippet.line})`;

/** The snippet as an ES module: TypeScript transpiled (decorators included), the local Redis URL pointed at ours. */
function moduleSource(snippet: ReadmeSnippet, redisUrl: string): string {
  const code = snippet.code.replaceAll(/redis:\/\/(127\.0\.0\.1|localhost):6379/g, redisUrl);
  if (snippet.lang === 'js') return code;
  return ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
  mkdirSync(scratch, { recursive: true });
}, 30_000);
afterAll(async () => {
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('README and docs snippets', () => {
  it('every public package has a README', () => {
    expect(
      packageReadmes()
        .filter((file) => !existsSync(file))
        .map((file) => relative(root, file)),
    ).toEqual([]);
  });

  it('every public package README has at least one snippet that runs', () => {
    const withoutRun = packageReadmes().filter(
      (file) => !snippets.some((snippet) => snippet.file === file && snippet.notRun === undefined),
    );
    expect(withoutRun.map((file) => relative(root, file))).toEqual([]);
  });

  const runnable = snippets.filter((snippet) => snippet.notRun === undefined);
  it.each(runnable.map((snippet) => [name(snippet), snippet] as const))(
    '%s runs to completion without writing to stderr',
    { timeout: 60_000 },
    async (_label, snippet) => {
      const script = join(
        scratch,
        `${relative(root, snippet.file).replaceAll(/[/.]/g, '_')}-${snippet.index}.mjs`,
      );
      writeFileSync(script, moduleSource(snippet, redis.url));
      const cwd = mkdtempSync(join(tmpdir(), 'cachestack-snippet-'));
      try {
        const run = await runNode(script, [], { cwd, timeoutMs: 45_000 });
        expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({
          code: 0,
          signal: null,
          stderr: '',
        });
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    },
  );
});
