import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BaseBackend, isBackendError, requireCapability } from '@cachestack/core';
import { FileBackend } from '@cachestack/file';
import { SqliteBackend } from '@cachestack/sqlite';
import { killHard, spawnUntilLine } from '@cachestack/test-support';
import { Mounts } from './mounts.js';
import { checkedValue } from './writers/checked-value.mjs';

/** Adapters that keep their entries in local files, so a disk fault reaches them. */
export type DiskAdapter = 'file' | 'sqlite';

/** How a call ended: `ok`, or the `BackendError`'s `"<type> <code>"`, or `unclassified: …`. */
export type Outcome = string;

const HOLD_OPEN_SCRIPT = fileURLToPath(new URL('./writers/hold-open.mjs', import.meta.url));
const KEEPERS = 8;
const FILL_BYTES = 16 * 1024;

/** What a store reported on a full file system (a small tmpfs). */
export interface FullDiskReport {
  adapter: DiskAdapter;
  /** 16 KiB entries written before the first failure. */
  filled: number;
  /** The first failed `set` (must be `PERMANENT NO_SPACE`). */
  firstFailure: Outcome;
  /** A 1-byte `set` once even small writes fail. */
  smallSetWhenFull: Outcome;
  /** `healthCheck()` at that moment. */
  healthWhenFull: { healthy: boolean; error?: string };
  /** `delete` of a filler entry on the full disk. */
  deleteWhenFull: Outcome;
  /** `deleteMany` of 8 more filler entries on the full disk. */
  deleteManyWhenFull: Outcome;
  /** A 1-byte `set` after those deletes. */
  setAfterDelete: Outcome;
  /** `healthCheck()` after those deletes. */
  healthAfterDelete: { healthy: boolean; error?: string };
  /** Every entry written before the disk filled up reads back intact (before and after the deletes). */
  othersIntact: boolean;
  /** Calls that failed with anything but a classified `BackendError` (must be empty). */
  unclassified: string[];
}

/** What a store reported on a read-only bind mount. */
export interface ReadOnlyReport {
  adapter: DiskAdapter;
  /** Opening the store on the read-only directory (`ok`, or how the constructor failed). */
  open: Outcome;
  /** Entries written before the mount read back intact. */
  readsIntact: boolean;
  set: Outcome;
  delete: Outcome;
  health: { healthy: boolean; error?: string };
  unclassified: string[];
}

function open(adapter: DiskAdapter, dir: string): BaseBackend {
  return adapter === 'file'
    ? new FileBackend({ directory: join(dir, 'cache'), namespace: 'disk', sweepIntervalMs: 0 })
    : new SqliteBackend({ path: join(dir, 'disk.db'), namespace: 'disk', purgeIntervalMs: 0 });
}

/** Runs `fn` and names its outcome; records unclassified failures in `sink`. */
async function attempt(sink: string[], label: string, fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    if (isBackendError(error) && error.type !== 'UNKNOWN' && error.code !== 'UNKNOWN') {
      return `${error.type} ${error.code}`;
    }
    const text = isBackendError(error)
      ? `${error.type} ${error.code}: ${error.message}`
      : `${(error as Error)?.name}: ${(error as Error)?.message ?? String(error)}`;
    sink.push(`${label}: ${text}`);
    return `unclassified: ${text}`;
  }
}

async function intact(store: BaseBackend, keys: number): Promise<boolean> {
  for (let i = 0; i < keys; i++) {
    const value = await store.get(`keep:${i}`);
    if (value === undefined || !checkedValue(7, i).equals(Buffer.from(value))) return false;
  }
  return true;
}

async function health(store: BaseBackend): Promise<{ healthy: boolean; error?: string }> {
  const status = await store.healthCheck();
  return status.error === undefined
    ? { healthy: status.healthy }
    : { healthy: status.healthy, error: status.error };
}

/**
 * Fills a small tmpfs (`sizeBytes`, default 1 MiB) through the backend: 16 KiB
 * entries until a `set` fails, then 1-byte ones until even those fail; then
 * records what `healthCheck`, `delete`, `deleteMany` and a new `set` do, and
 * whether the entries written before are intact. Needs root (mount).
 */
export async function fullDiskScenario(
  adapter: DiskAdapter,
  point: string,
  sizeBytes = 1024 * 1024,
): Promise<FullDiskReport> {
  const mounts = new Mounts();
  await mkdir(point, { recursive: true });
  mounts.tmpfs(point, sizeBytes);
  const unclassified: string[] = [];
  let store: BaseBackend | undefined;
  try {
    store = open(adapter, point);
    const s = store;
    for (let i = 0; i < KEEPERS; i++) await s.set(`keep:${i}`, checkedValue(7, i));
    let filled = 0;
    let firstFailure: Outcome = 'ok';
    const limit = Math.ceil((sizeBytes / FILL_BYTES) * 2) + 16;
    while (filled < limit) {
      firstFailure = await attempt(unclassified, 'fill set', () =>
        s.set(`fill:${filled}`, Buffer.alloc(FILL_BYTES, filled & 0xff)),
      );
      if (firstFailure !== 'ok') break;
      filled++;
    }
    let smallSetWhenFull: Outcome = 'ok';
    for (let i = 0; i < 4096 && smallSetWhenFull === 'ok'; i++) {
      smallSetWhenFull = await attempt(unclassified, 'small set', () =>
        s.set(`tiny:${i}`, Buffer.from([i & 0xff])),
      );
    }
    const healthWhenFull = await health(s);
    let othersIntact = await intact(s, KEEPERS);
    const deleteWhenFull = await attempt(unclassified, 'delete', () => s.delete('fill:0'));
    const batch = Array.from({ length: 8 }, (_, i) => `fill:${i + 1}`);
    const deleteManyWhenFull = await attempt(unclassified, 'deleteMany', () =>
      requireCapability(s, 'batch').deleteMany(batch),
    );
    const setAfterDelete = await attempt(unclassified, 'set after delete', () =>
      s.set('after', Buffer.from([1])),
    );
    const healthAfterDelete = await health(s);
    othersIntact = othersIntact && (await intact(s, KEEPERS));
    return {
      adapter,
      filled,
      firstFailure,
      smallSetWhenFull,
      healthWhenFull,
      deleteWhenFull,
      deleteManyWhenFull,
      setAfterDelete,
      healthAfterDelete,
      othersIntact,
      unclassified,
    };
  } finally {
    await store?.close().catch(() => undefined);
    mounts.unmountAll();
  }
}

/**
 * Writes entries into `point`, makes it read-only (a bind mount remounted
 * `ro`) — for SQLite while another process keeps the database open, so its
 * WAL stays — then opens a fresh backend on it and records reads, a `set`, a
 * `delete` and `healthCheck`. Needs root (mount).
 */
export async function readOnlyScenario(
  adapter: DiskAdapter,
  point: string,
): Promise<ReadOnlyReport> {
  const mounts = new Mounts();
  await mkdir(point, { recursive: true });
  const unclassified: string[] = [];
  const writable = open(adapter, point);
  for (let i = 0; i < KEEPERS; i++) await writable.set(`keep:${i}`, checkedValue(7, i));
  await writable.close();
  const holder =
    adapter === 'sqlite'
      ? await spawnUntilLine(HOLD_OPEN_SCRIPT, [join(point, 'disk.db')], 'ready')
      : undefined;
  let store: BaseBackend | undefined;
  try {
    mounts.readOnly(point);
    const report: ReadOnlyReport = {
      adapter,
      open: await attempt(unclassified, 'open', () => {
        store = open(adapter, point);
      }),
      readsIntact: false,
      set: 'not run: the store did not open',
      delete: 'not run: the store did not open',
      health: { healthy: false, error: 'not run: the store did not open' },
      unclassified,
    };
    const s = store;
    if (s === undefined) return report;
    report.readsIntact = await intact(s, KEEPERS);
    report.set = await attempt(unclassified, 'set', () => s.set('new', Buffer.from('x')));
    report.delete = await attempt(unclassified, 'delete', () => s.delete('keep:0'));
    report.health = await health(s);
    report.readsIntact = report.readsIntact && (await intact(s, KEEPERS));
    return report;
  } finally {
    await (store as BaseBackend | undefined)?.close().catch(() => undefined);
    if (holder !== undefined) await killHard(holder);
    mounts.unmountAll();
  }
}
