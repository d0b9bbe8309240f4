import { createLockToken } from '@cachestack/core';
import type { Database, Transaction } from 'better-sqlite3';
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
  readonly #acquire: Transaction<(name: string, ttlMs: number) => SqliteLockGrant | undefined>;

  constructor(db: Database, statements: SqliteStatements, namespace: string) {
    this.#statements = statements;
    this.#namespace = namespace;
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
