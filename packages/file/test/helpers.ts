import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

/** Directories made by {@link makeTempDir}, removed after each test. */
const created: string[] = [];

afterEach(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the current test. */
export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cachestack-file-'));
  created.push(dir);
  return dir;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The namespace directory, as documented in the README layout. */
export function namespaceDir(root: string, namespace = 'default'): string {
  return join(root, `ns-${sha256(namespace).slice(0, 32)}`);
}

/** The entry file of `key`, as documented in the README layout. */
export function entryFile(root: string, key: string, namespace = 'default'): string {
  const digest = sha256(`${namespace.length}:${namespace}\n${key}`);
  return join(namespaceDir(root, namespace), digest.slice(0, 2), digest);
}

/** The shard directory of `key`. */
export function shardDir(root: string, key: string, namespace = 'default'): string {
  return join(entryFile(root, key, namespace), '..');
}

/** Every file path under `dir`, recursively (symlinks listed, not followed). */
export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dirent of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!dirent.isDirectory()) found.push(join(dirent.parentPath, dirent.name));
  }
  return found.sort();
}

/** Path of a fixture script in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export { isValidValue, makeValue } from './fixtures/values.mjs';
