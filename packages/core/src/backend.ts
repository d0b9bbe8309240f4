/**
 * The result of {@link BaseBackend.healthCheck}. A health check never throws:
 * failures are reported here.
 */
export interface HealthStatus {
  /** True when the store answered the probe. */
  healthy: boolean;
  /** How long the probe took, in ms (finite, >= 0). */
  latencyMs: number;
  /** The backend's {@link BaseBackend.backendType}. */
  backendType: string;
  /** Backend-specific facts: sizes, server version, per-tier health, counters. */
  details: Record<string, unknown>;
  /** Why the backend is unhealthy, when it is. */
  error?: string;
}

/**
 * The contract every cachestack backend implements. Values are bytes;
 * serialization belongs above the backend.
 *
 * Keys are non-empty, well-formed strings of at most 1024 UTF-8 bytes. TTLs
 * are in milliseconds: `undefined` (no expiry) or a finite number greater
 * than 0 (fractions round up). Every method rejects with a
 * {@link BackendError} only.
 */
export interface BaseBackend extends AsyncDisposable {
  /** A stable name for the kind of backend: `memory`, `file`, `sqlite`, `redis`, `tiered`, … */
  readonly backendType: string;
  /**
   * The stored bytes, or `undefined` when the key is missing or expired. An
   * empty value is a hit. The returned array never aliases storage.
   */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Stores a copy of `value`. Without `ttlMs` the entry never expires, and an
   * earlier expiry on the same key is removed (as Redis `SET` does).
   * @param ttlMs - time to live in ms, finite and > 0; fractions round up.
   */
  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void>;
  /** Removes the key. Resolves `true` if it existed (and had not expired). */
  delete(key: string): Promise<boolean>;
  /** True when the key exists and has not expired. Does not change its TTL. */
  exists(key: string): Promise<boolean>;
  /** Probes the store. Never throws; see {@link HealthStatus}. */
  healthCheck(): Promise<HealthStatus>;
  /**
   * Releases timers and connections the backend owns. Idempotent; every
   * operation after it rejects with a PERMANENT `CLOSED` error.
   */
  close(): Promise<void>;
}
