import { assertKnownOptions, MAX_KEY_BYTES, MAX_TTL_MS } from '@cachestack/core';

/**
 * A seeded source of random arguments for every backend method: keys, values,
 * TTLs, lock options, prefixes and batch arrays, valid and invalid mixed
 * (unicode, 1024-byte edges, lone surrogates, non-strings, detached views,
 * Buffers with offsets, NaN, ±Infinity, holes, duplicates, …). The same seed
 * gives the same sequence, so a failing run can be replayed.
 */
export interface FuzzInputs {
  /** The seed this sequence started from. */
  readonly seed: number;
  /** A whole number in `[0, below)`. */
  int(below: number): number;
  /** True with probability `p` (0..1). */
  chance(p: number): boolean;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
  /** A key: mostly one of a small pool of valid keys (so calls meet), sometimes an invalid one. */
  key(): unknown;
  /** A valid key from the pool. */
  validKey(): string;
  /** A value: mostly valid bytes (views with offsets, empty, up to `largeValueBytes`), sometimes not a value. */
  value(): unknown;
  /** A TTL in ms for `set`: `undefined`, long, short, fractional, or invalid. */
  ttl(): unknown;
  /** A TTL in ms that must be given (`refreshTtl`, locks, `extend`). */
  requiredTtl(): unknown;
  /** Options for `acquireLock`: valid, or a bad `ttlMs`/`waitMs`, or not an object. */
  lockOptions(): unknown;
  /** A prefix for `keys(prefix?)`. */
  prefix(): unknown;
  /** A key list for `getMany`/`deleteMany`: holes, duplicates, bad keys, or not an array. */
  keyList(): unknown;
  /** An entry list for `setMany`: holes, duplicates, non-objects, bad entries, or not an array. */
  entryList(): unknown;
}

/** Options of {@link createFuzzInputs}. */
export interface FuzzInputsOptions {
  /**
   * Largest "huge" value generated, in bytes (a few calls in a hundred).
   * @default 1 MiB
   */
  largeValueBytes?: number;
  /** When set, a few values in a thousand are this many bytes (a backend's limit + 1, to be refused). */
  oversizeBytes?: number | undefined;
}

/** Every option name of {@link FuzzInputsOptions} (the compiler checks the list is complete). */
const OPTION_NAMES = Object.keys({
  largeValueBytes: true,
  oversizeBytes: true,
} satisfies Record<keyof FuzzInputsOptions, true>);

const KEY_POOL: readonly string[] = [
  'a',
  'user:1',
  'user:10',
  '../../etc/passwd',
  'with space',
  '*?[]%_\\',
  '😀 emoji',
  'ключ',
  '键/值',
  'nul\u0000inside',
  'x'.repeat(MAX_KEY_BYTES),
  'é'.repeat(MAX_KEY_BYTES / 2),
  `${'y'.repeat(MAX_KEY_BYTES - 4)}😀`,
];

/** A view over an `ArrayBuffer` that has been transferred away. */
function detachedView(): Uint8Array {
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable(new Uint8Array(2), {});
  revoke();
  return proxy;
}

/** @internal */
export const INVALID_KEYS: readonly (() => unknown)[] = [
  () => '',
  () => 'x'.repeat(MAX_KEY_BYTES + 1),
  () => `${'y'.repeat(MAX_KEY_BYTES - 1)}é`,
  () => '😀'.repeat(MAX_KEY_BYTES / 4 + 1),
  () => '\uD800',
  () => 'a\uDC00b',
  () => 'end\uD83D',
  () => 1,
  () => Number.NaN,
  () => null,
  () => undefined,
  () => ({ toString: () => 'a' }),
  () => ['a'],
  () => Symbol('key'),
  () => 10n,
  () => true,
  // A String object, not a string.
  () => new String('a'),
  () => () => 'a',
  revokedProxy,
];

/** @internal */
export const INVALID_VALUES: readonly (() => unknown)[] = [
  detachedView,
  () => 'text',
  () => 42,
  () => null,
  () => undefined,
  () => [1, 2, 3],
  () => new ArrayBuffer(4),
  () => new Uint16Array(2),
  () => new Uint8ClampedArray(2),
  () => new DataView(new ArrayBuffer(2)),
  () => ({ byteLength: 3, length: 3 }),
  () => new Proxy(new Uint8Array(3), {}),
  () => Object.create(Uint8Array.prototype),
  revokedProxy,
  () => Symbol('value'),
];

/** Prefixes for `keys(prefix?)`, valid and not. @internal */
export const PREFIXES: readonly unknown[] = [
  undefined,
  '',
  'user:',
  'user:1',
  '😀',
  '*',
  '%',
  '[',
  '\uD800',
  'a\uDC00',
  '\uD83D',
  5,
  null,
  {},
  Symbol('prefix'),
];

/** Lock options that are not an object. @internal */
export const INVALID_LOCK_OPTIONS: readonly unknown[] = [undefined, null, 5, 'options', []];

/** Batch arguments that are not arrays. @internal */
export const NOT_ARRAYS: readonly unknown[] = [
  'a',
  null,
  undefined,
  5,
  { length: 1, 0: 'a' },
  new Set(['a']),
  { key: 'a', value: new Uint8Array(1) },
];

/** @internal */
export const INVALID_TTLS: readonly unknown[] = [
  0,
  -0,
  -1,
  -0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  MAX_TTL_MS + 1,
  Number.MAX_VALUE,
  '100',
  null,
  {},
  10n,
  true,
];

const VALID_TTLS: readonly number[] = [
  0.1,
  1,
  1.5,
  999.9,
  2 ** 31 - 1,
  2 ** 31,
  30 * 24 * 3_600_000,
  MAX_TTL_MS,
];

/** mulberry32: a small, fast, seedable generator (uniform 32-bit outputs). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Creates a seeded {@link FuzzInputs}. Everything it returns is fresh (no
 * value is handed out twice), so callers may keep or mutate it.
 * @param seed - any 32-bit integer; the same seed gives the same inputs.
 */
export function createFuzzInputs(seed: number, options: FuzzInputsOptions = {}): FuzzInputs {
  assertKnownOptions(options, OPTION_NAMES, 'createFuzzInputs');
  const random = mulberry32(seed);
  const largeValueBytes = options.largeValueBytes ?? 1024 * 1024;
  const int = (below: number): number => Math.floor(random() * below);
  const chance = (p: number): boolean => random() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

  const bytes = (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    for (let index = 0; index < Math.min(length, 64); index++) out[index] = int(256);
    if (length > 64) out.fill(int(256), 64);
    return out;
  };
  const validValue = (): Uint8Array => {
    switch (int(6)) {
      case 0:
        return new Uint8Array(0);
      case 1:
        return Buffer.from(bytes(1 + int(40)));
      case 2: {
        // A view with an offset into a larger buffer: only its own bytes count.
        const whole = bytes(64);
        const start = 1 + int(20);
        return whole.subarray(start, start + int(30));
      }
      case 3: {
        const whole = Buffer.from(bytes(64));
        return whole.subarray(3, 3 + int(50));
      }
      case 4:
        return chance(0.15) ? bytes(largeValueBytes) : bytes(int(4096));
      default:
        return bytes(1 + int(16));
    }
  };
  const randomCharacter = (): string => {
    const codePoint = 0x20 + int(0x2ffff - 0x20);
    // Surrogate code points alone are not well-formed: shift them past the block.
    return String.fromCodePoint(
      codePoint >= 0xd800 && codePoint <= 0xdfff ? codePoint + 0x800 : codePoint,
    );
  };
  const validKey = (): string => (chance(0.9) ? pick(KEY_POOL) : randomCharacter());
  const ttl = (): unknown => {
    const roll = random();
    if (roll < 0.45) return undefined;
    if (roll < 0.7) return 600_000 + int(3_600_000);
    if (roll < 0.85) return pick(VALID_TTLS);
    return pick(INVALID_TTLS);
  };
  const requiredTtl = (): unknown => {
    const roll = random();
    if (roll < 0.55) return 600_000 + int(3_600_000);
    if (roll < 0.75) return pick(VALID_TTLS);
    return chance(0.2) ? undefined : pick(INVALID_TTLS);
  };
  const key = (): unknown => (chance(0.85) ? validKey() : pick(INVALID_KEYS)());
  const oversizeBytes = options.oversizeBytes;
  const value = (): unknown => {
    if (oversizeBytes !== undefined && chance(0.004)) return new Uint8Array(oversizeBytes);
    return chance(0.85) ? validValue() : pick(INVALID_VALUES)();
  };
  const entry = (): unknown => {
    const roll = random();
    if (roll < 0.8) return { key: chance(0.9) ? validKey() : key(), value: value(), ttlMs: ttl() };
    if (roll < 0.9) return { key: validKey(), value: validValue() };
    return pick<unknown>([null, undefined, 5, 'entry', [validKey(), validValue()]]);
  };
  const list = (item: () => unknown, notArray: readonly unknown[]): unknown => {
    const roll = random();
    if (roll < 0.08) return pick(notArray);
    if (roll < 0.12) return [];
    const items: unknown[] = [];
    const length = 1 + int(6);
    for (let index = 0; index < length; index++) items.push(item());
    if (chance(0.2)) items.push(items[0]); // a duplicate
    if (chance(0.08)) items.length += 1; // a hole at the end
    if (chance(0.05)) delete items[0]; // a hole at the start
    return items;
  };

  return {
    seed,
    int,
    chance,
    pick,
    key,
    validKey,
    value,
    ttl,
    requiredTtl,
    lockOptions: () => {
      const roll = random();
      if (roll < 0.1) return pick(INVALID_LOCK_OPTIONS);
      const waitMs = pick<unknown>([
        undefined,
        0,
        1.5,
        5,
        1e12,
        -1,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        '10',
      ]);
      return { ttlMs: requiredTtl(), waitMs };
    },
    prefix: () => pick(PREFIXES),
    keyList: () => list(key, NOT_ARRAYS),
    entryList: () => list(entry, NOT_ARRAYS),
  };
}
