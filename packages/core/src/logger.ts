/**
 * The logger every cachestack component accepts as its `logger` option: the
 * shape of pino (and of `console`-like loggers wrapped to it) — a structured
 * object first, then a message. cachestack never logs values or
 * credentials; Redis URLs are redacted ({@link redactUrl}).
 */
export interface Logger {
  /** Detail useful when debugging (a reconnect attempt, a snapshot written). */
  debug(fields: Record<string, unknown>, message: string): void;
  /** A notable state change (a breaker closed, a connection restored). */
  info(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong and was handled (a breaker opened, a corrupt entry dropped). */
  warn(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong and could not be handled. */
  error(fields: Record<string, unknown>, message: string): void;
}

/** The levels of a {@link Logger}. */
export type LogLevel = keyof Logger;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const noop = (): void => {};

/** A {@link Logger} that drops everything: the default. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});

/**
 * Checks a `logger` option: `undefined` gives {@link silentLogger}; anything
 * else must have `debug`, `info`, `warn` and `error` functions.
 * @param optionName - the option's name in the `TypeError` (default `logger`).
 * @param owner - who takes the option, shown first in the message
 *   (`FileBackend: option logger.debug must be a function ...`); none by default.
 * @throws TypeError naming the option and the missing method.
 */
export function resolveLogger(value: unknown, optionName = 'logger', owner?: string): Logger {
  if (value === undefined) return silentLogger;
  const where = owner === undefined ? '' : `${owner}: option `;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(
      `${where}${optionName} must be a logger with debug/info/warn/error(fields, message) methods (pino-compatible)`,
    );
  }
  for (const level of LEVELS) {
    if (typeof (value as Record<string, unknown>)[level] !== 'function') {
      throw new TypeError(
        `${where}${optionName}.${level} must be a function (a pino-compatible logger)`,
      );
    }
  }
  return value as Logger;
}

/**
 * Logs through `logger` and never throws: a logger that throws must not
 * fail the cache operation that logged.
 */
export function logSafely(
  logger: Logger,
  level: LogLevel,
  fields: Record<string, unknown>,
  message: string,
): void {
  if (logger === silentLogger) return;
  try {
    logger[level](fields, message);
  } catch {
    // A broken logger is not the cache's failure.
  }
}

/**
 * `url` with its user name and password replaced by `***` (for logs and
 * health details). A string that is not a URL is returned as `[unparsable url]`
 * rather than risk printing a credential.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '') parsed.username = '***';
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparsable url]';
  }
}
