import { MemoryBackend } from '@cachestack/memory';
import { InstrumentedBackend, type InstrumentOptions } from './instrumented-backend.js';

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A real MemoryBackend wrapped so calls can be counted, delayed or failed. */
export function instrumentedMemory(
  backendType: string,
  options: Omit<InstrumentOptions, 'backendType'> = {},
): InstrumentedBackend {
  return new InstrumentedBackend(new MemoryBackend(), { ...options, backendType });
}

/** Polls `check` every 10 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
