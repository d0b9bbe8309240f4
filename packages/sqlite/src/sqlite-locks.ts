import {
  type AcquireLockOptions,
  assertValidKey,
  createLockHandle,
  createLockToken,
  type Lock,
  normalizeLockOptions,
  retryUntil,
  timeoutError,
} from '@cachestack/core';
import type { Database, Transaction } from 'better-sqlite3';
import type { SqliteOperations } from './sqlite-operations.js';
import type { SqliteStatements } from './statements.js';

/** A lock taken by {@link SqliteLockTable.tryAcquire}. */
export interface SqliteLockGrant {
  /** 128 random bits from a CSPRNG, as hex. */
  token: string;
  /** Grows with every acquisition in the namespace, across processes. */
  fencingToken: number;
}

/**
 * Locks stored in the `cachestack_locks` table, so every connection to the
 * file (in any process) sees the same holder. Expiry is wall-clock epoch ms.
 * Each call is one IMMEDIATE transaction: the write lock is taken up front,
 * so check-and-insert is atomic across processes.
 */
export class SqliteLockTable {
  readonly #statements: SqliteStatements;
  readonly #namespace: string;
  readonly #ops: SqliteOperations;
  readonly #write: <T>(work: () => T) => T;
  readonly #acquire: Transaction<(name: string, ttlMs: number) => SqliteLockGrant | undefined>;

  /**
   * @param ops - the backend's operation runner (time limits, tracing, closed state).
   * @param write - runs `work` in the backend's IMMEDIATE write transaction.
   */
  constructor(
    db: Database,
    statements: SqliteStatements,
    namespace: string,
    ops: SqliteOperations,
    write: <T>(work: () => T) => T,
  ) {
    this.#statements = statements;
    this.#namespace = namespace;
    this.#ops = ops;
    this.#write = write;
    this.#acquire = db.transaction((name: string, ttlMs: number) => {
      const ns = this.#namespace;
      const now = Date.now();
      statements.lockDropExpired.run({ ns, name, now });
      const token = createLockToken();
      const inserted = statements.lockInsert.run({ ns, name, token, expiresAt: now + ttlMs });
      if (inserted.changes === 0) return undefined;
      const fencingToken = statements.lockFence.get({ ns }) as number;
      return { token, fencingToken };
    });
  }

  /**
   * Takes the lock `name` for `options.ttlMs`, polling with jittered backoff
   * until `options.waitMs` (capped by an `acquireLock` time limit: a wait cut
   * short by it is a TIMEOUT). Resolves the lock handle, or `undefined` when
   * someone else held it the whole time.
   */
  async acquire(name: string, options: AcquireLockOptions): Promise<Lock | undefined> {
    assertValidKey(name, 'acquireLock');
    const { ttlMs, waitMs } = normalizeLockOptions(options, name);
    const ops = this.#ops;
    const limit = ops.timeouts.limitFor('acquireLock');
    const grant = await retryUntil(
      // An acquisition is never turned into a TIMEOUT afterwards: that would orphan the lock.
      async () => ops.run('acquireLock', name, () => this.tryAcquire(name, ttlMs), false),
      limit === undefined ? waitMs : Math.min(waitMs, limit),
    );
    if (grant === undefined) {
      if (limit !== undefined && waitMs > limit) throw timeoutError('acquireLock', limit, name);
      return undefined;
    }
    const { token, fencingToken } = grant;
    return createLockHandle({
      key: name,
      token,
      fencingToken,
      release: () =>
        ops.op('releaseLock', name, async () =>
          ops.run('releaseLock', name, () => this.#write(() => this.release(name, token))),
        ),
      extend: (ms) =>
        ops.op('extendLock', name, async () =>
          ops.run('extendLock', name, () => this.#write(() => this.extend(name, token, ms))),
        ),
    });
  }

  /** One attempt to take `name` for `ttlMs` ms; `undefined` when someone holds it. */
  tryAcquire(name: string, ttlMs: number): SqliteLockGrant | undefined {
    return this.#acquire.immediate(name, ttlMs);
  }

  /** Deletes the lock if `token` holds it; true when it had not expired yet. */
  release(name: string, token: string): boolean {
    const expiresAt = this.#statements.lockRelease.get({ ns: this.#namespace, name, token }) as
      | number
      | undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** Makes the lock expire `ttlMs` ms from now if `token` still holds it and it is live. */
  extend(name: string, token: string, ttlMs: number): boolean {
    const now = Date.now();
    const result = this.#statements.lockExtend.run({
      ns: this.#namespace,
      name,
      token,
      now,
      expiresAt: now + ttlMs,
    });
    return result.changes > 0;
  }
}
