import {
  BackendError,
  BackendErrorCode,
  BackendErrorType,
  type ErrorClassification,
  type Logger,
  logSafely,
  silentLogger,
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

/**
 * Error code of a snapshot path that cannot be used as a file (PERMANENT):
 * core's `BackendErrorCode.INVALID_PATH`, also exported here.
 */
export const INVALID_PATH = BackendErrorCode.INVALID_PATH;

/**
 * File-system errors core's table leaves UNKNOWN but that no retry of a
 * snapshot save will fix (core classifies `ENOTDIR`, `EISDIR`,
 * `ENAMETOOLONG` and `ELOOP` itself). `ENOENT` only reaches here from a save
 * (a missing file on load is an empty cache): the snapshot's directory
 * cannot be created there, as under `/proc`.
 */
const PATH_ERRORS: ReadonlySet<string> = new Set(['ENOENT', 'EEXIST', 'EINVAL']);

/** Classifies file-system errors that core leaves UNKNOWN but that no retry will fix. */
function classifyPathError(error: unknown): ErrorClassification | undefined {
  const code = systemErrorCode(error);
  if (code === undefined || !PATH_ERRORS.has(code)) return undefined;
  return {
    type: BackendErrorType.PERMANENT,
    code: INVALID_PATH,
    hint: 'the snapshot path cannot hold a file (its directory cannot be created there)',
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
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #savedChangeCount: number | undefined;
  #failing = false;

  /**
   * Persists `source` to `options.path`; nothing happens until {@link SnapshotPersistence.load} or {@link SnapshotPersistence.start}.
   * @param logger - told about warnings (instead of `process.emitWarning` when `onWarning` is not set), loads and saves.
   */
  constructor(
    options: ResolvedSnapshotOptions,
    source: SnapshotSource,
    logger: Logger = silentLogger,
  ) {
    this.#options = options;
    this.#source = source;
    this.#logger = logger;
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
      const entries = decodeSnapshot(bytes);
      const live = entries.filter((entry) => entry.expiresAt === 0 || entry.expiresAt > now);
      this.#log(
        'debug',
        { entries: live.length, expired: entries.length - live.length },
        'snapshot loaded',
      );
      return live;
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
    this.#log('debug', { entries: entries.length }, 'snapshot saved on close');
  }

  /**
   * Reports a warning through `onWarning` (a throwing callback is ignored)
   * and the logger; with neither, through `process.emitWarning`.
   */
  warn(warning: BackendError): void {
    const { onWarning } = this.#options;
    if (onWarning !== undefined) {
      try {
        onWarning(warning);
      } catch {
        // A broken warning handler must not break the cache.
      }
    }
    if (this.#logger !== silentLogger) {
      this.#log(
        'warn',
        {
          operation: warning.operation,
          errorType: warning.type,
          errorCode: warning.code,
          error: warning.message,
        },
        warning.operation === 'open' ? 'snapshot ignored, starting empty' : 'snapshot save failed',
      );
    } else if (onWarning === undefined) {
      process.emitWarning(warning);
    }
  }

  /** Logs through the logger with the snapshot's path; never throws. */
  #log(level: 'debug' | 'info' | 'warn', fields: Record<string, unknown>, message: string): void {
    logSafely(
      this.#logger,
      level,
      { backendType: 'memory', snapshotPath: this.#options.path, ...fields },
      message,
    );
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
        if (this.#failing)
          this.#log('info', { entries: entries.length }, 'snapshot saves work again');
        else this.#log('debug', { entries: entries.length }, 'snapshot saved');
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
