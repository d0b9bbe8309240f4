import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Absolute path of a fixture script in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** What a finished child process left behind. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <fixture> ...args` and resolves when it exits. */
export function runFixture(
  name: string,
  args: readonly string[],
  options: { uid?: number; gid?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture(name), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The bytes every fixture writes for `key`: deterministic, 1–4 KiB, key-specific. */
export function valueFor(key: string): Buffer {
  let hash = 2166136261;
  for (const char of key) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  const length = 1024 + (hash % 3072);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    hash = Math.imul(hash ^ i, 16777619) >>> 0;
    bytes[i] = hash & 0xff;
  }
  return bytes;
}
