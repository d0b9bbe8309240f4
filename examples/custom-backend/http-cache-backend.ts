import {
  assertValidKey,
  assertValidValue,
  BackendError,
  BackendErrorType,
  type BaseBackend,
  type Clearable,
  closedError,
  type HealthStatus,
  normalizeRequiredTtl,
  normalizeTtl,
  OperationTimeouts,
  probeHealth,
  type TimeoutConfigurable,
  type TimeoutDefaults,
  type TimeoutOperation,
  type TTLInspectable,
  timeoutError,
} from '@cachestack/core';
import {
  ENTRIES_PATH,
  encodeKeySegment,
  HEALTH_PATH,
  NAMESPACE_PATTERN,
  NO_EXPIRY,
  TTL_HEADER,
} from './cache-protocol.js';
import { classifyRequestFailure, classifyStatus } from './classify-http-failure.js';

/** Options of {@link HttpCacheBackend}. */
export interface HttpCacheBackendOptions {
  /** Base URL of the cache service, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The bearer token the service expects. */
  token: string;
  /** The namespace on the service: 1–128 characters of `[A-Za-z0-9_-]`. */
  namespace: string;
  /**
   * Largest value in bytes, checked before any request (`VALUE_TOO_LARGE`).
   * Without it the service's own limit applies: its 413 answer becomes the
   * same `VALUE_TOO_LARGE` error.
   * @default undefined (the service decides)
   */
  maxValueBytes?: number | undefined;
  /**
   * Default time limit of every request, in ms (finite, > 0). Narrower
   * limits come from `timeouts` and `withTimeout`.
   * @default 5000
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Per-operation limits in ms, e.g. `{ get: 200 }`.
   * @default {}
   */
  timeouts?: TimeoutDefaults | undefined;
}

/** What one request brought back. */
interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** The default {@link HttpCacheBackendOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/**
 * A cachestack backend written by a user: a client of the small HTTP cache
 * service in this folder, built only on the public helpers of
 * `@cachestack/core` and the global `fetch`.
 *
 * What it guarantees:
 * - Keys, values and TTLs are validated with core's helpers before any
 *   request: bad input rejects with a PERMANENT `BackendError` and nothing
 *   is sent.
 * - Every failure is classified: connection refused or reset → TRANSIENT
 *   `UNAVAILABLE`; 401/403 → AUTHENTICATION; 5xx, 408, 429 → TRANSIENT;
 *   413 → PERMANENT `VALUE_TOO_LARGE`; a request over its time limit is
 *   aborted and rejects with TIMEOUT (its effect on the service is unknown:
 *   a timed-out `set` may still have been applied).
 * - Capabilities: `ttl` (`getTtl` through the `Cache-TTL-Ms` header,
 *   `refreshTtl` through `PATCH`), `timeout` (every request carries an
 *   `AbortSignal` with the limit in force) and `clear` (its namespace only).
 *   No locks, batches or key listing: the service does not offer them.
 * - Values come back as fresh `Buffer`s that share memory with nothing.
 * - Expiry runs on the service's clock. Each call is one HTTP request, so
 *   there is no reply to mix up after a timeout.
 * - `close()` is idempotent, waits for requests in flight and makes every
 *   later call reject with PERMANENT `CLOSED`. Connections belong to Node's
 *   global `fetch` pool, which does not keep the process alive.
 */
export class HttpCacheBackend
  implements BaseBackend, TTLInspectable, TimeoutConfigurable, Clearable
{
  /** Always `'http'`. */
  readonly backendType = 'http';
  readonly #service: URL;
  readonly #entries: string;
  readonly #authorization: string;
  readonly #maxValueBytes: number;
  readonly #timeouts: OperationTimeouts;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  /** Checks the options (a `TypeError` names a bad one); nothing connects until the first call. */
  constructor(options: HttpCacheBackendOptions) {
    let service: URL;
    try {
      service = new URL(options.url);
    } catch {
      throw new TypeError(`url must be an http(s) URL, got ${String(options.url)}`);
    }
    if (service.protocol !== 'http:' && service.protocol !== 'https:') {
      throw new TypeError(`url must be an http(s) URL, got ${options.url}`);
    }
    if (typeof options.token !== 'string' || options.token === '') {
      throw new TypeError('token must be a non-empty string');
    }
    if (typeof options.namespace !== 'string' || !NAMESPACE_PATTERN.test(options.namespace)) {
      throw new TypeError('namespace must be 1–128 characters of [A-Za-z0-9_-]');
    }
    const { maxValueBytes, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = options;
    if (maxValueBytes !== undefined && !(Number.isInteger(maxValueBytes) && maxValueBytes >= 0)) {
      throw new TypeError('maxValueBytes must be a whole number of bytes >= 0');
    }
    if (!(Number.isFinite(requestTimeoutMs) && requestTimeoutMs > 0)) {
      throw new TypeError('requestTimeoutMs must be a finite number of ms > 0');
    }
    this.#service = service;
    this.#entries = new URL(`${ENTRIES_PATH}/${options.namespace}`, service).href;
    this.#authorization = `Bearer ${options.token}`;
    this.#maxValueBytes = maxValueBytes ?? Number.POSITIVE_INFINITY;
    this.#timeouts = new OperationTimeouts({ ...options.timeouts, '*': requestTimeoutMs });
  }

  /** {@inheritDoc @cachestack/core#TimeoutConfigurable.withTimeout} */
  withTimeout<T>(
    operation: TimeoutOperation,
    timeoutMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    return this.#timeouts.run(operation, timeoutMs, fn);
  }

  /** `GET`: the bytes as a fresh `Buffer`, or `undefined` on 404. */
  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key, 'get');
    const answer = await this.#send('get', key, 'GET', this.#entry(key), [200, 404]);
    return answer.status === 404 ? undefined : answer.body;
  }

  /** `PUT` with the bytes as body and, with `ttlMs`, the `Cache-TTL-Ms` header. */
  async set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    assertValidKey(key, 'set');
    assertValidValue(value, 'set', key, this.#maxValueBytes);
    const ttl = normalizeTtl(ttlMs, 'set', key);
    await this.#send('set', key, 'PUT', this.#entry(key), [204], {
      // A copy with its own ArrayBuffer: only the view's bytes are sent, and
      // the caller may change its array while the request is under way.
      body: new Uint8Array(value),
      headers: ttl === undefined ? {} : { [TTL_HEADER]: String(ttl) },
    });
  }

  /** `DELETE`: `true` on 204, `false` on 404. */
  async delete(key: string): Promise<boolean> {
    assertValidKey(key, 'delete');
    const answer = await this.#send('delete', key, 'DELETE', this.#entry(key), [204, 404]);
    return answer.status === 204;
  }

  /** `HEAD`: `true` on 200. */
  async exists(key: string): Promise<boolean> {
    assertValidKey(key, 'exists');
    const answer = await this.#send('exists', key, 'HEAD', this.#entry(key), [200, 404]);
    return answer.status === 200;
  }

  /** `HEAD`: the `Cache-TTL-Ms` header (`none` → `Infinity`), or `undefined` on 404. */
  async getTtl(key: string): Promise<number | undefined> {
    assertValidKey(key, 'getTtl');
    const answer = await this.#send('getTtl', key, 'HEAD', this.#entry(key), [200, 404]);
    if (answer.status === 404) return undefined;
    const header = answer.headers.get(TTL_HEADER);
    if (header === NO_EXPIRY) return Number.POSITIVE_INFINITY;
    const remaining = Number(header);
    if (header === null || !Number.isFinite(remaining) || remaining <= 0) {
      throw new BackendError({
        type: BackendErrorType.UNKNOWN,
        code: 'PROTOCOL_ERROR',
        message: `the service sent ${TTL_HEADER}: ${String(header)}`,
        operation: 'getTtl',
        key,
      });
    }
    return remaining;
  }

  /** `PATCH` with `Cache-TTL-Ms`: `true` on 204, `false` on 404 (nothing is created). */
  async refreshTtl(key: string, ttlMs: number): Promise<boolean> {
    assertValidKey(key, 'refreshTtl');
    const ttl = normalizeRequiredTtl(ttlMs, 'refreshTtl', key);
    const answer = await this.#send('refreshTtl', key, 'PATCH', this.#entry(key), [204, 404], {
      headers: { [TTL_HEADER]: String(ttl) },
    });
    return answer.status === 204;
  }

  /** `DELETE` of the namespace: this backend's entries only. */
  async clear(): Promise<void> {
    await this.#send('clear', undefined, 'DELETE', this.#entries, [204]);
  }

  /** `GET /v1/health` with this backend's token; never throws. */
  healthCheck(): Promise<HealthStatus> {
    return probeHealth(this.backendType, async () => {
      const url = new URL(HEALTH_PATH, this.#service).href;
      const answer = await this.#send('healthCheck', undefined, 'GET', url, [200]);
      const facts = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
      return { url: this.#service.origin, ...facts };
    });
  }

  /** Stops new calls (they reject with `CLOSED`) and waits for requests in flight. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Same as {@link HttpCacheBackend.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #entry(key: string): string {
    return `${this.#entries}/${encodeKeySegment(key)}`;
  }

  /** One request, with the time limit in force; any status outside `expected` rejects classified. */
  #send(
    operation: TimeoutOperation,
    key: string | undefined,
    method: string,
    url: string,
    expected: readonly number[],
    init: { body?: Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    if (this.#closed) return Promise.reject(closedError(operation, this.backendType, key));
    const limitMs = this.#timeouts.limitFor(operation);
    const request = (async (): Promise<Answer> => {
      const signal = limitMs === undefined ? undefined : AbortSignal.timeout(limitMs);
      let answer: Answer;
      try {
        const response = await fetch(url, {
          method,
          headers: { authorization: this.#authorization, ...init.headers },
          ...(init.body === undefined ? {} : { body: init.body }),
          ...(signal === undefined ? {} : { signal }),
        });
        // The body is read under the same signal, so a stalled body times out too.
        const body = Buffer.from(await response.arrayBuffer());
        answer = { status: response.status, headers: response.headers, body };
      } catch (error) {
        if (signal?.aborted && limitMs !== undefined) throw timeoutError(operation, limitMs, key);
        throw classifyRequestFailure(error, operation, key);
      }
      if (!expected.includes(answer.status)) {
        const detail = answer.body.subarray(0, 200).toString('utf8');
        throw classifyStatus(answer.status, detail, operation, key);
      }
      return answer;
    })();
    this.#inFlight.add(request);
    request.then(
      () => this.#inFlight.delete(request),
      () => this.#inFlight.delete(request),
    );
    return request;
  }
}
