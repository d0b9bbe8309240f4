import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type ErrorClassification,
  systemErrorCode,
  toBackendError,
} from '@cachestack/core';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';
import type { ResolvedSnapshotOptions } from './memory-backend-options.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  type SnapshotEntry,
  SnapshotFormatError,
} from './snapshot-format.js';

/** Error code of a snapshot path that cannot be used as a file (PERMANENT). */
export const INVALID_PATH = 'INVALID_PATH';

const PATH_ERRORS: ReadonlySet<string> = new Set([
  'ENOTDIR',
  'EEXIST',
  'EISDIR',
  'ENAMETOOLONG',
  'ELOOP',
  'EINVAL',
]);

/** Classifies file-system errors that core leaves UNKNOWN but that no retry will fix. */
function classifyPathError(error: unknown): ErrorClassification | undefined {
  const code = systemErrorCode(error);
  if (code === undefined || !PATH_ERRORS.has(code)) return undefined;
  return {
    type: BackendErrorType.PERMANENT,
    code: INVALID_PATH,
    hint: 'the snapshot path cannot be used as a file (a parent is not a directory, it is a directory, or it is too long)',
  };
}

function snapshotError(error: unknown, operation: string): BackendError {
  return toBackendError(error, operation, undefined, classifyPathError);
}

/** What {@link SnapshotPersistence} needs from the backend. */
export interface SnapshotSource {
  /** The live entries, least recently used first, with wall-clock expiries. */
  collect(): SnapshotEntry[];
  /** A number that changes whenever the entries change (to skip idle interval saves). */
  changeCount(): number;
}

/**
 * Loads and saves one backend's snapshot file: load on open (never throws:
 * problems become warnings and an empty cache), optional interval saves
 * (failures become warnings), and a final save on close (failures reject).
 * Saves never overlap, so the last one started is the one left on disk.
 */
export class SnapshotPersistence {
  readonly #options: ResolvedSnapshotOptions;
  readonly #source: SnapshotSource;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #savedChangeCount: number | undefined;
  #failing = false;

  /** Persists `source` to `options.path`; nothing happens until {@link SnapshotPersistence.load} or {@link SnapshotPersistence.start}. */
  constructor(options: ResolvedSnapshotOptions, source: SnapshotSource) {
    this.#options = options;
    this.#source = source;
  }

  /** The snapshot file's path. */
  get path(): string {
    return this.#options.path;
  }

  /**
   * Reads the snapshot. Resolves its unexpired entries (least recently used
   * first), or none when the file is missing, unreadable, foreign, truncated
   * or corrupt; the last three are reported through `onWarning`.
   * @param now - wall-clock time in epoch ms; entries expiring at or before it are dropped.
   */
  async load(now: number): Promise<SnapshotEntry[]> {
    let bytes: Buffer | undefined;
    try {
      bytes = await readFileIfExists(this.#options.path);
    } catch (error) {
      this.warn(snapshotError(error, 'open'));
      return [];
    }
    if (bytes === undefined) return [];
    try {
      return decodeSnapshot(bytes).filter(
        (entry) => entry.expiresAt === 0 || entry.expiresAt > now,
      );
    } catch (error) {
      const reason = error instanceof SnapshotFormatError ? error.message : String(error);
      this.warn(
        new BackendError({
          type: BackendErrorType.PERMANENT,
          code: BackendErrorCode.CORRUPT,
          message: `snapshot ${JSON.stringify(this.#options.path)} ignored, starting empty: ${reason}`,
          operation: 'open',
          cause: error,
        }),
      );
      return [];
    }
  }

  /**
   * Starts interval saves, if `intervalMs` is set. The timer is unref'd. A
   * failing save is reported once, then retried every interval silently
   * until one succeeds.
   */
  start(): void {
    const intervalMs = this.#options.intervalMs;
    if (intervalMs === undefined || this.#timer !== undefined) return;
    this.#savedChangeCount = this.#source.changeCount();
    this.#timer = setInterval(() => this.#intervalSave(), intervalMs);
    this.#timer.unref();
  }

  /**
   * Stops interval saves, waits for one in flight, and saves `entries`.
   * @throws BackendError (classified) when the final save fails.
   */
  async stop(entries: SnapshotEntry[]): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
    try {
      await this.#write(entries);
    } catch (error) {
      throw snapshotError(error, 'close');
    }
  }

  /** Reports a warning through `onWarning`; a throwing callback is ignored. */
  warn(warning: BackendError): void {
    try {
      this.#options.onWarning(warning);
    } catch {
      // A broken warning handler must not break the cache.
    }
  }

  #intervalSave(): void {
    if (this.#inFlight !== undefined) return;
    const changeCount = this.#source.changeCount();
    if (changeCount === this.#savedChangeCount) return;
    const entries = this.#source.collect();
    this.#inFlight = this.#write(entries).then(
      () => {
        this.#savedChangeCount = changeCount;
        this.#inFlight = undefined;
        this.#failing = false;
      },
      (error: unknown) => {
        this.#inFlight = undefined;
        // One warning per run of failures; the next tick retries.
        if (!this.#failing) this.warn(snapshotError(error, 'snapshot'));
        this.#failing = true;
      },
    );
  }

  #write(entries: SnapshotEntry[]): Promise<void> {
    return writeFileAtomic(this.#options.path, encodeSnapshot(entries, Date.now()));
  }
}
