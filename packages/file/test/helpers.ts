import { spawn } from 'node:child_process';
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

/** The result of {@link runNode}. */
export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node script ...args` and collects its output. */
export function runNode(
  script: string,
  args: readonly string[],
  options: { uid?: number; gid?: number } = {},
): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
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

/**
 * A self-checking value: 8 bytes of (writer, sequence), then filler bytes
 * derived from them, of a length that depends on the sequence.
 */
export function makeValue(writer: number, sequence: number, baseBytes = 1000): Buffer {
  const length = 8 + baseBytes + (sequence % 37) * 97;
  const value = Buffer.alloc(length);
  value.writeUInt32LE(writer, 0);
  value.writeUInt32LE(sequence, 4);
  for (let i = 8; i < length; i++) value[i] = (writer * 31 + sequence * 7 + i) & 0xff;
  return value;
}

/** True when `value` is exactly one of the values {@link makeValue} produces. */
export function isValidValue(value: Uint8Array, baseBytes = 1000): boolean {
  if (value.byteLength < 8) return false;
  const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const expected = makeValue(buffer.readUInt32LE(0), buffer.readUInt32LE(4), baseBytes);
  return expected.equals(buffer);
}

/** Spawns `node script ...args`, resolves once a stdout line equals `line`. */
export function spawnUntilLine(
  script: string,
  args: readonly string[],
  line: string,
): Promise<import('node:child_process').ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').includes(line)) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      reject(new Error(`child exited (${code} ${signal}) before "${line}": ${stdout} ${stderr}`)),
    );
  });
}

/** Kills `child` with SIGKILL and waits for it to be gone. */
export function killHard(child: import('node:child_process').ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
