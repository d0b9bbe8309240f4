import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NodeRun, type NodeRunOptions, runNode } from '@cachestack/test-support';
import { afterEach, beforeEach } from 'vitest';
import { SqliteBackend, type SqliteBackendOptions } from '../src/index.js';

/** A temporary directory that {@link TempDir.remove} deletes. */
export interface TempDir {
  path: string;
  file(name: string): string;
  remove(): void;
}

/** Creates a fresh temporary directory for one test. */
export function makeTempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'cachestack-sqlite-'));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * Registers hooks (in the calling `describe`) that give each test a fresh temp
 * dir and remove it after the test (after `beforeRemove`); returns that dir.
 */
export function tempDirPerTest(beforeRemove: () => Promise<void> | void = () => {}): TempDir {
  let current: TempDir | undefined;
  beforeEach(() => {
    current = makeTempDir();
  });
  afterEach(async () => {
    await beforeRemove();
    current?.remove();
  });
  const dir = (): TempDir => {
    if (current === undefined) throw new Error('tempDirPerTest: used outside a test');
    return current;
  };
  return {
    get path() {
      return dir().path;
    },
    file: (name) => dir().file(name),
    remove: () => dir().remove(),
  };
}

/** The current test's temp dir and backends on `cache.db` in it, from {@link backendsPerTest}. */
export interface BackendsPerTest {
  /** The current test's temp dir. */
  readonly dir: TempDir;
  /** Opens a backend on `cache.db` in the test's dir (`options` override), closed after the test. */
  open(options?: Partial<SqliteBackendOptions>): SqliteBackend;
}

/**
 * Registers hooks (in the calling `describe`) that give each test a fresh temp
 * dir, then close every backend it opened and remove the dir.
 */
export function backendsPerTest(): BackendsPerTest {
  const backends: SqliteBackend[] = [];
  const dir = tempDirPerTest(async () => {
    for (const backend of backends.splice(0)) await backend.close();
  });
  return {
    dir,
    open: (options = {}) => {
      const backend = new SqliteBackend({ path: dir.file('cache.db'), ...options });
      backends.push(backend);
      return backend;
    },
  };
}

/** Absolute path of a fixture script in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Runs `node <fixture> ...args` and resolves when it exits. */
export function runFixture(
  name: string,
  args: readonly string[],
  options: NodeRunOptions = {},
): Promise<NodeRun> {
  return runNode(fixture(name), args, options);
}

export { valueFor } from './fixtures/values.mjs';
