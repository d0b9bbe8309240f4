import { assertKnownOptions, type BaseBackend, type Logger } from '@cachestack/core';

/** Options every wrapper accepts. */
export interface WrapperOptions {
  /**
   * Close the wrapped backend when the wrapper is closed. Set it to `false`
   * when the wrapped backend is shared and closed by its owner.
   * @default true
   */
  closeInner?: boolean | undefined;
  /**
   * Where the wrapper logs what it decides on its own (pino-compatible
   * `debug/info/warn/error(fields, message)`): load shedding starting (warn)
   * and each call shed (debug), retries (debug) and a spent retry budget
   * (warn), adaptive limits changing (debug), the circuit breaker opening
   * (warn) and closing (info). Keys may appear; values and credentials never.
   * @default silent
   */
  logger?: Logger | undefined;
}

/** Every option name of {@link WrapperOptions}, for the wrappers' own name lists. */
const WRAPPER_OPTION_NAMES = Object.keys({
  closeInner: true,
  logger: true,
} satisfies Record<keyof WrapperOptions, true>);

/**
 * Every option name of a wrapper: {@link WrapperOptions}' plus its own,
 * given as `{ name: true, … }`; the compiler checks the list is complete
 * (every own option of `O`, nothing else).
 */
export function wrapperOptionNames<O extends WrapperOptions>(
  own: Record<Exclude<keyof O, keyof WrapperOptions>, true>,
): string[] {
  return [...WRAPPER_OPTION_NAMES, ...Object.keys(own)];
}

/**
 * Fails with a `TypeError` unless `options` is an object (or undefined) whose
 * keys are all in `names`; an unknown key is named with the closest known one
 * (core's `assertKnownOptions`).
 */
export function checkOptionsObject(
  options: unknown,
  owner: string,
  names: readonly string[],
): void {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${owner}: options must be an object, got ${String(options)}`);
  }
  assertKnownOptions(options, names, owner);
}

/**
 * Reads one numeric option: `fallback` when `value` is undefined, else a
 * finite number passing `valid`; anything else is a `TypeError` naming the
 * option and `rule` (e.g. `'a finite number of ms > 0'`).
 */
export type NumberOptionReader = (
  name: string,
  value: unknown,
  fallback: number,
  valid: (n: number) => boolean,
  rule: string,
) => number;

/** The {@link NumberOptionReader} of `owner` (the wrapper's class name, which starts every message). */
export function numberOptionsOf(owner: string): NumberOptionReader {
  return (name, value, fallback, valid, rule) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
      throw new TypeError(`${owner}: option "${name}" must be ${rule}, got ${String(value)}`);
    }
    return value;
  };
}

/** Fails with a `TypeError` naming the option unless `inner` is a backend. */
export function checkInner(inner: unknown, owner: string): asserts inner is BaseBackend {
  const record = inner as Record<string, unknown> | null;
  const methods = ['get', 'set', 'delete', 'exists', 'healthCheck', 'close'];
  if (
    typeof inner !== 'object' ||
    record === null ||
    !methods.every((name) => typeof record[name] === 'function')
  ) {
    throw new TypeError(
      `${owner}: the wrapped backend must be a cachestack backend (${methods.join(', ')})`,
    );
  }
}
