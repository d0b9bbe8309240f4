import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '@cachestack/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

const WORKER = new URL('./fixtures/tags-worker.mjs', import.meta.url);
const DIST = new URL('../dist/index.js', import.meta.url);

let dir: string;
let redis: RedisServer | undefined;
const workers: Worker[] = [];

beforeAll(async () => {
  if (!existsSync(DIST)) {
    throw new Error('packages/cache/dist is missing: run `npx tsup` in packages/cache first');
  }
  dir = mkdtempSync(join(tmpdir(), 'cachestack-cache-tags-'));
  redis = await RedisServer.start();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.close()));
});

afterAll(async () => {
  await redis?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A child process holding its own cache over the shared store. */
class Worker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  readonly #events: string[] = [];
  #eventWaiters: (() => void)[] = [];
  #next = 0;

  constructor(kind: string, location: string) {
    this.#child = fork(WORKER, [kind, location], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on(
      'message',
      (message: { id?: number; event?: string; result?: unknown; error?: string }) => {
        if (message.event !== undefined) {
          this.#events.push(message.event);
          for (const wake of this.#eventWaiters.splice(0)) wake();
          return;
        }
        const pending = this.#pending.get(message.id as number);
        this.#pending.delete(message.id as number);
        if (message.error !== undefined) pending?.reject(new Error(message.error));
        else pending?.resolve(message.result);
      },
    );
    this.#child.once('exit', (code) => {
      for (const pending of this.#pending.values())
        pending.reject(new Error(`worker exited with ${code}`));
    });
  }

  async event(name: string): Promise<void> {
    while (!this.#events.includes(name)) {
      await new Promise<void>((resolve) => this.#eventWaiters.push(resolve));
    }
    this.#events.splice(this.#events.indexOf(name), 1);
  }

  send(command: Record<string, unknown>): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...command, id });
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.send({ op: 'close' }).catch(() => undefined);
    const timer = setTimeout(() => this.#child.kill(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

async function pair(kind: string, location: string): Promise<[Worker, Worker]> {
  const a = new Worker(kind, location);
  const b = new Worker(kind, location);
  workers.push(a, b);
  await Promise.all([a.event('ready'), b.event('ready')]);
  return [a, b];
}

const stores: [string, () => string][] = [
  ['sqlite', () => join(dir, 'tags.db')],
  ['redis', () => redis!.url],
  ['tiered-redis', () => redis!.url],
];

describe.each(stores)('two processes sharing one %s store', (kind, location) => {
  test('an invalidation in one process removes the tagged entries for the other', async () => {
    const [a, b] = await pair(kind, location());
    const entries = Array.from({ length: 200 }, (_, i) => ({
      key: `k${i}`,
      value: i,
      tags: [i % 2 === 0 ? 'even' : 'odd', 'all'],
    }));
    await a.send({ op: 'setMany', entries });
    await a.send({ op: 'set', key: 'plain', value: 'p' });
    const keys = ['k0', 'k1', 'k198', 'k199', 'plain'];
    expect(await b.send({ op: 'getMany', keys })).toEqual([0, 1, 198, 199, 'p']);
    await a.send({ op: 'invalidate', tags: ['even'] });
    expect(await b.send({ op: 'getMany', keys })).toEqual([null, 1, null, 199, 'p']);
    await b.send({ op: 'invalidate', tags: ['all'] });
    expect(await a.send({ op: 'getMany', keys })).toEqual([null, null, null, null, 'p']);
  }, 30_000);

  test('expireTags in one process: the other serves the stale value within grace when its loader fails', async () => {
    const [a, b] = await pair(kind, location());
    await a.send({
      op: 'getOrSet',
      key: 'g',
      value: 'old',
      tags: ['t'],
      ttlMs: 60_000,
      graceMs: 60_000,
    });
    await a.send({ op: 'expire', tags: ['t'] });
    expect(await b.send({ op: 'get', key: 'g' })).toBeNull();
    const failing = { op: 'getOrSet', key: 'g', fail: true, ttlMs: 60_000, graceMs: 60_000 };
    expect(await b.send(failing)).toBe('old');
    expect(
      await b.send({ op: 'getOrSet', key: 'g', value: 'new', tags: ['t'], ttlMs: 60_000 }),
    ).toBe('new');
    expect(await a.send({ op: 'get', key: 'g' })).toBe('new');
  }, 30_000);

  test("race: an invalidation during another process's load never leaves the old value cached as fresh", async () => {
    const [a, b] = await pair(kind, location());
    for (let round = 0; round < 3; round++) {
      const key = `race${round}`;
      const loading = a.send({ op: 'loadSlow', key, value: 'old', tags: ['t'] });
      await a.event('loading');
      await b.send({ op: 'invalidate', tags: ['t'] });
      await a.send({ op: 'release' });
      expect(await loading).toBe('old');
      expect(await b.send({ op: 'get', key })).toBeNull();
      expect(await a.send({ op: 'get', key })).toBeNull();
    }
  }, 30_000);
});
