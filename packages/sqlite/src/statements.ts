import type { Database, Statement } from 'better-sqlite3';

/** Rows evicted or purged per statement. */
export const PAGE_ROWS = 256;

const LIVE = '(expires_at IS NULL OR expires_at > @now)';
const POSITIONAL = 'namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)';

/**
 * Every statement the backend runs, prepared once per backend. Statements
 * take named parameters; `@ns` is always the backend's namespace.
 */
export interface SqliteStatements {
  /** `(ns, key, now)` (positional, for speed) → `[value, checksum]` (raw), live rows only. */
  getValue: Statement;
  /** `(ns, key, now)` → `[value, checksum, accessed_at]` (raw), live rows only. */
  getValueAndAccess: Statement;
  /** `@ns, @key, @now` → 1 (plucked) when live. */
  exists: Statement;
  /** `@ns, @key, @now` → expires_at (plucked; null for none) when live. */
  getExpiry: Statement;
  /**
   * `(ns, key, value, checksum, expiresAt, now, size)` (positional, for
   * speed): insert or replace. A replaced row keeps its `accessed_at` (see
   * `touch`): a column in the `SET` list is rewritten in its index even when
   * unchanged, so rewriting the same bytes would always dirty the access
   * index's pages. A row that already holds the same bytes, checksum and
   * expiry is not updated at all (no index work, no trigger).
   */
  upsert: Statement;
  /** `@ns, @key, @value`: deletes the row only while it still holds exactly `@value`. */
  deleteDamaged: Statement;
  /** `@now`: records the time of a health check (a one-row write in `cachestack_meta`). */
  healthProbe: Statement;
  /**
   * `@bytes`: rewrites the `health_probe` row of `cachestack_meta` with
   * `@bytes` random bytes, so the health check's commit writes that many
   * bytes of pages (see `EntryTable.probeWrite`).
   */
  healthReserve: Statement;
  /** `@ns, @key` → expires_at of the deleted row (plucked), if there was one. */
  delete: Statement;
  /** `@ns, @key, @now, @expiresAt`: new expiry of a live row. */
  refresh: Statement;
  /**
   * `@ns, @key, @now, @resolution`: records an access (a read for `'lru'`,
   * a rewrite) for eviction, only when the stored time is at least
   * `@resolution` ms older than `@now`.
   */
  touch: Statement;
  /** `(ns, key)` (positional) → the row's `accessed_at` (plucked), expired or not. */
  storedAccess: Statement;
  /**
   * `(size, checksum, size, value, expiresAt, ns, key)` (positional, for
   * speed) → `[accessed_at, fits, unchanged]` (raw) of the stored row,
   * expired or not: `fits` is 1 when its size is at least `size` (a rewrite
   * cannot grow the totals), `unchanged` is 1 when it already holds exactly
   * `value` with that checksum and expiry. Size and checksum are compared
   * first: the stored bytes are read only when both match.
   */
  storedState: Statement;
  /**
   * `(value, checksum, expiresAt, size, ns, key, size, checksum, value,
   * expiresAt)` (positional, for speed) → the row's `accessed_at`
   * (plucked), which it keeps: replaces an existing row whose size is at
   * least the new one (so the namespace's totals cannot grow and no limit
   * check is needed) unless it already holds these bytes, checksum and
   * expiry. Returns nothing (changes nothing) when the row is missing,
   * smaller or unchanged.
   */
  rewrite: Statement;
  /** `@ns, @after, @now` → up to {@link PAGE_ROWS} live keys after `@after`, in order (plucked). */
  keysAfter: Statement;
  /** `@ns, @from, @now` → up to {@link PAGE_ROWS} live keys >= `@from`, in order (plucked). */
  keysFrom: Statement;
  /** `@ns` → deletes every entry of the namespace. */
  clear: Statement;
  /** `@ns, @now`: deletes up to {@link PAGE_ROWS} expired entries. */
  purgeExpired: Statement;
  /** `@ns, @now`: deletes expired locks. */
  purgeLocks: Statement;
  /** `@ns` → `[entries, bytes]` (raw). */
  stats: Statement;
  /** `@ns, @key, @limit` → `[rowid, size]` (raw) of the first rows to evict, other than `@key`. */
  evictionCandidates: Statement;
  /** `@rowid`: deletes one row. */
  deleteRow: Statement;
  /** `@ns, @name, @now`: deletes the lock if it has expired. */
  lockDropExpired: Statement;
  /** `@ns, @name, @token, @expiresAt`: inserts the lock unless held. */
  lockInsert: Statement;
  /** `@ns` → the next fencing number (plucked). */
  lockFence: Statement;
  /** `@ns, @name, @token` → expires_at of the released lock (plucked). */
  lockRelease: Statement;
  /** `@ns, @name, @token, @now, @expiresAt`: extends a live lock. */
  lockExtend: Statement;
}

/** Prepares {@link SqliteStatements} on `db` (the tables must exist). */
export function prepareStatements(db: Database): SqliteStatements {
  const p = (sql: string): Statement => db.prepare(sql);
  const where = 'namespace = @ns AND key = @key';
  return {
    getValue: p(`SELECT value, checksum FROM cachestack_entries WHERE ${POSITIONAL}`).raw(),
    getValueAndAccess: p(
      `SELECT value, checksum, accessed_at FROM cachestack_entries WHERE ${POSITIONAL}`,
    ).raw(),
    exists: p(`SELECT 1 FROM cachestack_entries WHERE ${where} AND ${LIVE}`).pluck(),
    getExpiry: p(`SELECT expires_at FROM cachestack_entries WHERE ${where} AND ${LIVE}`).pluck(),
    upsert: p(
      `INSERT INTO cachestack_entries (namespace, key, value, checksum, expires_at, accessed_at, size)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
         checksum = excluded.checksum, expires_at = excluded.expires_at, size = excluded.size
       WHERE NOT (checksum IS excluded.checksum AND value = excluded.value
         AND expires_at IS excluded.expires_at)`,
    ),
    deleteDamaged: p(`DELETE FROM cachestack_entries WHERE ${where} AND value = @value`),
    healthProbe: p(
      `INSERT INTO cachestack_meta (name, value) VALUES ('health_checked_at', @now)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    ),
    healthReserve: p(
      `INSERT INTO cachestack_meta (name, value) VALUES ('health_probe', randomblob(@bytes))
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    ),
    delete: p(`DELETE FROM cachestack_entries WHERE ${where} RETURNING expires_at`).pluck(),
    refresh: p(`UPDATE cachestack_entries SET expires_at = @expiresAt WHERE ${where} AND ${LIVE}`),
    touch: p(
      `UPDATE cachestack_entries SET accessed_at = @now
       WHERE ${where} AND accessed_at < @now AND accessed_at <= @now - @resolution`,
    ),
    storedAccess: p(
      'SELECT accessed_at FROM cachestack_entries WHERE namespace = ? AND key = ?',
    ).pluck(),
    storedState: p(
      `SELECT accessed_at, size >= ?, checksum IS ? AND size = ? AND value = ? AND expires_at IS ?
       FROM cachestack_entries WHERE namespace = ? AND key = ?`,
    ).raw(),
    rewrite: p(
      `UPDATE cachestack_entries SET value = ?, checksum = ?, expires_at = ?, size = ?
       WHERE namespace = ? AND key = ? AND size >= ?
         AND NOT (checksum IS ? AND value = ? AND expires_at IS ?)
       RETURNING accessed_at`,
    ).pluck(),
    keysAfter: p(
      `SELECT key FROM cachestack_entries WHERE namespace = @ns AND key > @after AND ${LIVE}
       ORDER BY key LIMIT ${PAGE_ROWS}`,
    ).pluck(),
    keysFrom: p(
      `SELECT key FROM cachestack_entries WHERE namespace = @ns AND key >= @from AND ${LIVE}
       ORDER BY key LIMIT ${PAGE_ROWS}`,
    ).pluck(),
    clear: p('DELETE FROM cachestack_entries WHERE namespace = @ns'),
    purgeExpired: p(
      `DELETE FROM cachestack_entries WHERE rowid IN (SELECT rowid FROM cachestack_entries
         WHERE namespace = @ns AND expires_at <= @now LIMIT ${PAGE_ROWS})`,
    ),
    purgeLocks: p('DELETE FROM cachestack_locks WHERE namespace = @ns AND expires_at <= @now'),
    stats: p('SELECT entries, bytes FROM cachestack_stats WHERE namespace = @ns').raw(),
    evictionCandidates: p(
      `SELECT rowid, size FROM cachestack_entries WHERE namespace = @ns AND key != @key
       ORDER BY accessed_at, rowid LIMIT @limit`,
    ).raw(),
    deleteRow: p('DELETE FROM cachestack_entries WHERE rowid = @rowid'),
    lockDropExpired: p(
      'DELETE FROM cachestack_locks WHERE namespace = @ns AND name = @name AND expires_at <= @now',
    ),
    lockInsert: p(
      `INSERT INTO cachestack_locks (namespace, name, token, expires_at)
       VALUES (@ns, @name, @token, @expiresAt) ON CONFLICT DO NOTHING`,
    ),
    lockFence: p(
      `INSERT INTO cachestack_lock_fences (namespace, fence) VALUES (@ns, 1)
       ON CONFLICT (namespace) DO UPDATE SET fence = fence + 1 RETURNING fence`,
    ).pluck(),
    lockRelease: p(
      `DELETE FROM cachestack_locks WHERE namespace = @ns AND name = @name AND token = @token
       RETURNING expires_at`,
    ).pluck(),
    lockExtend: p(
      `UPDATE cachestack_locks SET expires_at = @expiresAt
       WHERE namespace = @ns AND name = @name AND token = @token AND expires_at > @now`,
    ),
  };
}
