import {
  type BackendError,
  BackendErrorType,
  closedError,
  type OperationTimeouts,
  type TimeoutOperation,
  toBackendError,
} from '@cachestack/core';
import type { Cluster } from 'ioredis';
import { classifyRedisError } from './classify-redis-error.js';
import type { ConnectionState } from './connection-state.js';
import type { RedisClient, RedisTopology } from './create-redis-client.js';
import { InFlightOperations } from './in-flight-operations.js';
import type { Step } from './namespace-scan.js';
import { TickWriteCorker } from './tick-write-corker.js';

/**
 * Runs the backend's Redis round trips: admits operations (PERMANENT
 * `CLOSED` after close), counts them while in flight, fails fast while the
 * connection is down, connects a lazy Cluster, applies the time limits and
 * classifies every failure as a `BackendError`.
 */
export class OperationRunner {
  readonly #client: RedisClient;
  readonly #topology: RedisTopology;
  readonly #timeouts: OperationTimeouts;
  readonly #state: ConnectionState;
  readonly #backendType: string;
  readonly #inFlight = new InFlightOperations();
  readonly #corker: TickWriteCorker;
  readonly #beforeCommand: () => void;
  #closed = false;
  #clusterConnecting: Promise<void> | undefined;

  constructor(options: {
    client: RedisClient;
    topology: RedisTopology;
    timeouts: OperationTimeouts;
    state: ConnectionState;
    backendType: string;
    /** Runs before any command is sent (the backend sends its pending coalesced sets first). */
    beforeCommand?: () => void;
  }) {
    this.#client = options.client;
    this.#topology = options.topology;
    this.#timeouts = options.timeouts;
    this.#state = options.state;
    this.#backendType = options.backendType;
    this.#beforeCommand = options.beforeCommand ?? noop;
    this.#corker = new TickWriteCorker(options.client);
  }

  /** True once {@link OperationRunner.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Refuses new operations, then resolves once those in flight settled, or
   * after `maxWaitMs` ms at the latest.
   */
  close(maxWaitMs: number): Promise<void> {
    this.#closed = true;
    return this.#inFlight.drained(maxWaitMs);
  }

  /** Admits one operation (CLOSED after close) and counts it as in flight until {@link leave}. */
  enter(operation: TimeoutOperation, key?: string): void {
    if (this.#closed) throw closedError(operation, this.#backendType, key);
    this.#inFlight.enter();
  }

  /** Ends an operation admitted by {@link enter}. */
  leave(): void {
    this.#inFlight.leave();
  }

  /** A single-round-trip operation: admitted, counted while in flight, then {@link exec}. */
  async run<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    this.enter(operation, key);
    try {
      return await this.exec(operation, key, start);
    } finally {
      this.leave();
    }
  }

  /**
   * Admits an operation that settles by itself (a coalesced get): `CLOSED`
   * after close, fails fast while the connection is down, counts it as in
   * flight (the caller calls {@link leave} when it settles). It does not
   * cork the socket: the coalescer sends at the next tick. Returns the error
   * to reject with, if any.
   * Callers check {@link needsSlowPath} first.
   */
  admitFast(operation: TimeoutOperation, key: string): BackendError | undefined {
    if (this.#closed) return closedError(operation, this.#backendType, key);
    const down = this.#state.check(operation, key);
    if (down !== undefined) return down;
    this.#inFlight.enter();
    return undefined;
  }

  /** True while a lazy connection has not started (or a lazy Cluster connects): use {@link run}. */
  get needsSlowPath(): boolean {
    return this.#clusterConnecting !== undefined || this.#client.status === 'wait';
  }

  /**
   * Corks the connection sockets (every node's, on a Cluster) until the next
   * tick, so what is sent in this tick leaves in one write per connection.
   */
  cork(): void {
    this.#corker.cork();
  }

  /** The time limit (ms) that applies to `operation` here and now, if any. */
  limitFor(operation: TimeoutOperation): number | undefined {
    return this.#timeouts.limitFor(operation);
  }

  /**
   * Same as {@link run}, without `async` frames: the hot path of an
   * uncoalesced `get`. Falls back to {@link run} while a lazy Cluster connects.
   */
  runFast<T>(operation: TimeoutOperation, key: string, start: () => Promise<T>): Promise<T> {
    if (this.needsSlowPath) return this.run(operation, key, start);
    const refused = this.admitFast(operation, key);
    if (refused !== undefined) return Promise.reject(refused);
    this.#corker.cork();
    this.#beforeCommand();
    let pending: Promise<T>;
    try {
      pending = this.#timeouts.guard(operation, key, start);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        this.#inFlight.leave();
        return value;
      },
      (error: unknown) => {
        this.#inFlight.leave();
        throw this.classify(error, operation, key);
      },
    );
  }
  /**
   * One round trip of an admitted operation: fails fast while disconnected,
   * applies the time limit and classifies every failure.
   */
  async exec<T>(
    operation: TimeoutOperation,
    key: string | undefined,
    start: () => Promise<T>,
  ): Promise<T> {
    const down = this.#state.check(operation, key);
    if (down !== undefined) throw down;
    let run = start;
    if (
      this.#topology === 'cluster' &&
      (this.#client.status === 'wait' || this.#clusterConnecting !== undefined)
    ) {
      run = async () => {
        await this.#connectCluster();
        return start();
      };
    }
    this.#corker.cork();
    this.#beforeCommand();
    try {
      return await this.#timeouts.guard(operation, key, run);
    } catch (error) {
      throw this.classify(error, operation, key);
    }
  }

  /** Any failure of `operation` as a `BackendError` (a TRANSIENT one may turn out to be failed authentication). */
  classify(error: unknown, operation: TimeoutOperation, key: string | undefined): BackendError {
    const classified = toBackendError(error, operation, key, classifyRedisError);
    if (classified.type !== BackendErrorType.TRANSIENT) return classified;
    return this.#state.authenticationFailure(operation, key) ?? classified;
  }

  /** The round trips of an admitted multi-step operation (`keys`, `clear`). */
  step(operation: TimeoutOperation): Step {
    return (start) => this.exec(operation, undefined, start);
  }

  /**
   * Connects a lazy Cluster once, shared by every caller that arrives while
   * it connects (without an offline queue, commands sent before the Cluster
   * is ready would be rejected).
   */
  #connectCluster(): Promise<void> {
    this.#clusterConnecting ??= (this.#client as Cluster).connect().finally(() => {
      this.#clusterConnecting = undefined;
    });
    return this.#clusterConnecting;
  }
}

function noop(): void {}
