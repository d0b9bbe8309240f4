import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const WORKER = new URL('./fixtures/stampede-worker.mjs', import.meta.url);
const DIST = new URL('../dist/index.js', import.meta.url);
const PROCESSES = 5;

interface WorkerResult {
  value?: { loadedBy: number; round: number };
  stats?: { loaderCalls: number; stampedesAvoided: number };
  error?: string;
}

let dir: string;
let redis: RedisServer | undefined;

beforeAll(async () => {
  if (!existsSync(DIST)) {
    throw new Error('packages/cache/dist is missing: run `npx tsup` in packages/cache first');
  }
  dir = mkdtempSync(join(tmpdir(), 'cachestack-cache-stampede-'));
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `count` workers, waits until all are ready, then releases them at once. */
async function runRound(count: number, args: string[]): Promise<WorkerResult[]> {
  const children: ChildProcess[] = [];
  const results: Promise<WorkerResult>[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const child = fork(WORKER, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
      }),
    );
    results.push(
      new Promise((resolve, reject) => {
        child.on('message', (message) => {
          if (message !== 'ready') resolve(message as WorkerResult);
        });
        // 'close', not 'exit': 'exit' can come before the last IPC message is
        // read (the worker sends its answer and exits at once).
        child.once('close', (code) =>
          reject(new Error(`worker exited with ${code} before answering`)),
        );
      }),
    );
  }
  try {
    await Promise.all(ready);
    for (const child of children) child.send('go');
    return await Promise.all(results);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

function loaderCalls(counterPath: string): string[] {
  if (!existsSync(counterPath)) return [];
  return readFileSync(counterPath, 'utf8').trim().split('\n').filter(Boolean);
}

const stores: [string, () => string][] = [
  ['sqlite', () => join(dir, 'cache.db')],
  ['redis', () => redis!.url],
];

describe.each(stores)(`${PROCESSES} processes sharing one %s store`, (kind, location) => {
  test('exactly one loader call per expiry, everyone gets that value', async () => {
    const counterPath = join(dir, `loads-${kind}.txt`);
    const ttlMs = 6_000;
    const args = (round: number) => [
      kind,
      location(),
      counterPath,
      'report',
      String(ttlMs),
      String(round),
    ];

    const first = await runRound(PROCESSES, args(1));
    for (const result of first) expect(result.error).toBeUndefined();
    expect(loaderCalls(counterPath)).toHaveLength(1);
    const loader = Number(loaderCalls(counterPath)[0]);
    expect(first.map((r) => r.value)).toEqual(
      Array(PROCESSES).fill({ loadedBy: loader, round: 1 }),
    );
    const waited = first.reduce((sum, r) => sum + (r.stats?.stampedesAvoided ?? 0), 0);
    expect(waited).toBeGreaterThanOrEqual(1);

    await new Promise((resolve) => setTimeout(resolve, ttlMs + 200));

    const second = await runRound(PROCESSES, args(2));
    for (const result of second) expect(result.error).toBeUndefined();
    const calls = loaderCalls(counterPath);
    expect(calls).toHaveLength(2);
    expect(second.map((r) => r.value)).toEqual(
      Array(PROCESSES).fill({ loadedBy: Number(calls[1]), round: 2 }),
    );
  }, 60_000);
});
