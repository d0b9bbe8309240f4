import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendError, isBackendError } from '@cachestack/core';
import { afterEach, expect } from 'vitest';
import { MemoryBackend, type MemoryBackendOptions } from '../src/index.js';

/** Bytes of a string, for readable tests. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Text of returned bytes, or undefined. */
export const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Awaits `promise`, expects a BackendError with `code` (and `type`, when given), and returns it. */
export async function expectBackendError(
  promise: Promise<unknown>,
  code: string,
  type?: string,
): Promise<BackendError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a BackendError ${code}`).toBeDefined();
  expect(isBackendError(caught), `expected a BackendError, got ${String(caught)}`).toBe(true);
  const error = caught as BackendError;
  expect(error.code).toBe(code);
  if (type !== undefined) expect(error.type).toBe(type);
  return error;
}

/** A fresh temp directory and a function that removes it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cachestack-memory-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Registers an `afterEach` that closes every backend made during the test,
 * and returns the function that makes them (call it at module level).
 */
export function closedAfterEach(): (options?: MemoryBackendOptions) => MemoryBackend {
  const open: MemoryBackend[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });
  return (options = {}) => {
    const backend = new MemoryBackend(options);
    open.push(backend);
    return backend;
  };
}
