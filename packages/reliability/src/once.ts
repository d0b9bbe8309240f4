/**
 * Wraps `run` so that it runs once, on the first call; every call gets the
 * same promise. Tests share one campaign this way, and when it fails (no
 * root for `mount`, no redis-server) every test that needs it fails with the
 * same error — none is reported as skipped, as a failing `beforeAll` would.
 */
export function once<T>(run: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= run();
    return result;
  };
}
