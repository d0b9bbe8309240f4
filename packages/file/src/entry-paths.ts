import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Name prefix of temp files (writes in progress, deletes being claimed). */
export const TEMP_PREFIX = '.tmp-';

/** Name of the lock subdirectory inside a namespace directory. */
export const LOCKS_DIRECTORY = 'locks';

const ENTRY_NAME = /^[0-9a-f]{64}$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** True when `name` is an entry file name (64 lowercase hex characters). */
export function isEntryName(name: string): boolean {
  return ENTRY_NAME.test(name);
}

/** True when `name` is a shard directory name (2 lowercase hex characters). */
export function isShardName(name: string): boolean {
  return SHARD_NAME.test(name);
}

/** A unique temp file name in the same directory: pid plus 64 random bits. */
export function tempName(): string {
  return `${TEMP_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`;
}

/** Where one key's entry lives. */
export interface EntryLocation {
  /** The shard directory (`<namespace dir>/<2 hex>`). */
  shardDirectory: string;
  /** The entry file (`<shard directory>/<64 hex>`). */
  file: string;
}

/**
 * Maps a namespace and its keys onto paths. Names are lowercase hex SHA-256
 * digests, so every key (`../`, `/`, NUL, emoji, 1024 bytes) gives a safe,
 * fixed-length name, and keys differing only in case stay distinct on
 * case-insensitive file systems.
 *
 * Layout: `<root>/ns-<32 hex of sha256(namespace)>/<2 hex shard>/<64 hex>`,
 * locks in `<root>/ns-…/locks/<64 hex>.lock`.
 */
export class EntryPaths {
  /** The namespace directory. */
  readonly namespaceDirectory: string;
  /** The lock directory. */
  readonly locksDirectory: string;
  readonly #namespacePrefix: string;

  constructor(root: string, namespace: string) {
    this.namespaceDirectory = join(root, `ns-${sha256Hex(namespace).slice(0, 32)}`);
    this.locksDirectory = join(this.namespaceDirectory, LOCKS_DIRECTORY);
    this.#namespacePrefix = `${namespace.length}:${namespace}\n`;
  }

  /** The entry location of `key`. */
  entry(key: string): EntryLocation {
    const digest = sha256Hex(this.#namespacePrefix + key);
    const shardDirectory = join(this.namespaceDirectory, digest.slice(0, 2));
    return { shardDirectory, file: join(shardDirectory, digest) };
  }

  /** The lock file of `key` (lock keys live apart from data keys). */
  lock(key: string): string {
    return join(this.locksDirectory, `${sha256Hex(`lock\n${this.#namespacePrefix}${key}`)}.lock`);
  }
}
