import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';

/**
 * Runs the public HTTP caching conformance suite (http-tests/cache-tests, a
 * copy of which lives in the steering repository's `shared/http-cache-tests`)
 * against a cache under test, and scores it the way the suite's own summary
 * does: by test kind (required / optimal / check), dependencies honoured, tests
 * marked `browser_only` left out (we test a reverse proxy).
 *
 * The suite folder is read-only where CI runs, so each call works on a
 * temporary copy whose `node_modules` points at this package's (for `undici`,
 * the suite client's only dependency). The suite's origin binds every
 * interface by default; a preload makes it listen on loopback only.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const SUPPORT_ROOT = resolve(HERE, '..');

/** Where the suite is: `HTTP_CACHE_TESTS_DIR`, else `shared/http-cache-tests` beside the repository. */
export function cacheTestsDir(): string {
  const dir =
    process.env.HTTP_CACHE_TESTS_DIR ?? resolve(SUPPORT_ROOT, '../../../shared/http-cache-tests');
  if (!existsSync(join(dir, 'test-engine', 'cli.mjs'))) {
    throw new Error(
      `the HTTP cache test suite was not found at ${dir}: it ships in the steering repository's ` +
        'shared/http-cache-tests (beside this repository), or set HTTP_CACHE_TESTS_DIR to a copy of ' +
        'http-tests/cache-tests',
    );
  }
  return dir;
}

const LOOPBACK_PRELOAD = `import http from 'node:http';
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const [port, ...rest] = args;
    const host = typeof rest[0] === 'string' ? rest.shift() : '127.0.0.1';
    return listen.call(this, Number(port), host, ...rest);
  }
  return listen.apply(this, args);
};
`;

const RUN_SCRIPT = `import tests from './tests/index.mjs';
import { runTests, getResults } from './test-engine/client/runner.mjs';
import { determineTestResult, resultTypes } from './test-engine/lib/results.mjs';
import { readFileSync, readdirSync } from 'node:fs';

const kindOf = (test) => test.kind ?? 'required';
const selected = [];
for (const suite of tests) for (const test of suite.tests) {
  if (test.browser_only === true) continue;
  selected.push({ ...test, suiteName: suite.name });
}
function score(results) {
  const out = { required: { passed: 0, total: 0 }, optimal: { passed: 0, total: 0 }, check: { yes: 0, total: 0 }, failedRequired: [] };
  for (const test of selected) {
    const verdict = determineTestResult(tests, test.id, results);
    const kind = kindOf(test);
    if (kind === 'check') {
      out.check.total++;
      if (verdict === resultTypes.yes) out.check.yes++;
      continue;
    }
    out[kind].total++;
    if (verdict === resultTypes.pass) out[kind].passed++;
    else if (kind === 'required') {
      const raw = results[test.id];
      const detail = Array.isArray(raw) ? raw.join(': ') : String(raw);
      out.failedRequired.push({ id: test.id, name: test.name, result: verdict[2] + ' ' + detail });
    }
  }
  return out;
}
const mode = process.argv[2];
if (mode === 'published') {
  const index = (await import('./results/index.mjs')).default;
  const rows = [];
  for (const entry of index) {
    if (entry.type === 'browser') continue;
    const results = JSON.parse(readFileSync('./results/' + entry.file, 'utf8'));
    rows.push({ name: entry.name, version: entry.version ?? '', requiredPassed: score(results).required.passed });
  }
  console.log(JSON.stringify(rows));
} else {
  const id = process.argv[3];
  let toRun = tests;
  if (id) toRun = tests.map((suite) => ({ ...suite, tests: suite.tests.filter((test) => test.id === id) })).filter((suite) => suite.tests.length > 0);
  await runTests(toRun, false, mode);
  const results = getResults();
  console.log(JSON.stringify({ results, ...score(results) }));
}
`;

interface SuiteCopy {
  dir: string;
  remove(): Promise<void>;
}

async function copySuite(): Promise<SuiteCopy> {
  const source = cacheTestsDir();
  const dir = await mkdtemp(join(tmpdir(), 'cache-tests-'));
  await cp(source, dir, {
    recursive: true,
    filter: (path) => !path.includes(`${source}/node_modules`),
  });
  await symlink(join(SUPPORT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'loopback-preload.mjs'), LOOPBACK_PRELOAD);
  await writeFile(join(dir, 'cachestack-run.mjs'), RUN_SCRIPT);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `node args` in `cwd` and resolves with its stdout; rejects on a non-zero exit. */
function runNodeIn(cwd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cache-tests run did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(stdout);
      else
        reject(new Error(`cache-tests run exited with ${code}\n${stderr}\n${stdout.slice(-2000)}`));
    });
  });
}

/** The suite's origin server, listening on a loopback port. */
export interface CacheTestsOrigin {
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Stops the origin (by pid) and removes its temporary copy of the suite. */
  stop(): Promise<void>;
}

/** Starts the suite's origin server on a free loopback port. */
export async function startCacheTestsOrigin(): Promise<CacheTestsOrigin> {
  const copy = await copySuite();
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', './loopback-preload.mjs', 'test-engine/server/server.mjs'],
    {
      cwd: copy.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        npm_config_protocol: 'http',
        npm_config_port: String(port),
        npm_config_pidfile: join(copy.dir, 'server.pid'),
      },
    },
  );
  try {
    await new Promise<void>((resolvePromise, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`cache-tests origin did not start within 10 s\n${output}`)),
        10_000,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Listening on')) {
          clearTimeout(timer);
          resolvePromise();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`cache-tests origin exited with ${code}\n${output}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await copy.remove();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      await copy.remove();
    },
  };
}

/** Pass counts of one kind of test. */
export interface KindScore {
  passed: number;
  total: number;
}

/** One run of the suite, scored with the suite's own rules. */
export interface CacheTestsRun {
  /** Raw results by test id, as the suite's CLI prints them. */
  results: Record<string, unknown>;
  /** Required tests (a failure is a conformance bug). */
  required: KindScore;
  /** Optimal tests (a failure is a missed optimisation). */
  optimal: KindScore;
  /** Check tests (informational: "yes" answers). */
  check: { yes: number; total: number };
  /** Each required test that did not pass: id, name and the suite's verdict with its detail. */
  failedRequired: Array<{ id: string; name: string; result: string }>;
}

/** Options for {@link runCacheTests}. */
export interface RunCacheTestsOptions {
  /** Run one test by id (its dependencies are not run, so scores are partial). */
  id?: string;
  /** Give up after this long, in ms. @default 300_000 */
  timeoutMs?: number;
}

/**
 * Runs the suite's client against `baseUrl` — the cache under test, a
 * reverse proxy in front of a {@link startCacheTestsOrigin} origin — and
 * scores the results.
 */
export async function runCacheTests(
  baseUrl: string,
  options: RunCacheTestsOptions = {},
): Promise<CacheTestsRun> {
  const copy = await copySuite();
  try {
    const base = baseUrl.replace(/\/+$/, '');
    const args = ['--no-warnings', 'cachestack-run.mjs', base];
    if (options.id !== undefined) args.push(options.id);
    const stdout = await runNodeIn(copy.dir, args, options.timeoutMs ?? 300_000);
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as CacheTestsRun;
  } finally {
    await copy.remove();
  }
}

/** A published result of the suite, scored like {@link runCacheTests}. */
export interface PublishedCacheTestsScore {
  /** The cache, e.g. `nginx`. */
  name: string;
  /** The version tested, as published. */
  version: string;
  /** Required tests passed. */
  requiredPassed: number;
}

/** The published results of every non-browser cache in the suite's `results/`, scored. */
export async function publishedCacheTestsScores(): Promise<PublishedCacheTestsScore[]> {
  const copy = await copySuite();
  try {
    const stdout = await runNodeIn(
      copy.dir,
      ['--no-warnings', 'cachestack-run.mjs', 'published'],
      60_000,
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as PublishedCacheTestsScore[];
  } finally {
    await copy.remove();
  }
}
