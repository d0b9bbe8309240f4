import type { HealthStatus } from './backend.js';

/** The message of a thrown value; never throws (a revoked Proxy, an object String() rejects). */
function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'the probe threw a value that cannot be read';
  }
}

/**
 * Runs `probe`, times it, and turns the outcome into a {@link HealthStatus}.
 * Never throws: a rejected probe gives `healthy: false` with its message.
 * @param probe - resolves the `details` to report (or nothing).
 */
export async function probeHealth(
  backendType: string,
  probe: () => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined,
): Promise<HealthStatus> {
  const started = performance.now();
  try {
    const details = (await probe()) ?? {};
    return { healthy: true, latencyMs: performance.now() - started, backendType, details };
  } catch (error) {
    return {
      healthy: false,
      latencyMs: performance.now() - started,
      backendType,
      details: {},
      error: messageOf(error),
    };
  }
}
