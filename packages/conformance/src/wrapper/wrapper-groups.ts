import { randomBytes } from 'node:crypto';
import { type BaseBackend, isBackendError } from '@cachestack/core';
import {
  check,
  describeError,
  describeValue,
  expectBytes,
  expectResolves,
  violation,
} from '../assertions.js';
import type { SuiteCase, SuiteGroup } from '../suite/suite.js';
import type { ResolvedWrapperOptions, WrapperHarness } from './wrapper-options.js';

type WrapperCase = SuiteCase<WrapperHarness, ResolvedWrapperOptions>;
type WrapperGroup = SuiteGroup<WrapperHarness, ResolvedWrapperOptions>;

/** Lengths checked one by one: 0 … threshold + 64. */
const PAST_THRESHOLD = 64;

/** `length` bytes: random, or a short repeated pattern (compresses well). */
function content(length: number, random: boolean): Uint8Array {
  if (random) return new Uint8Array(randomBytes(length));
  const out = new Uint8Array(length);
  for (let index = 0; index < length; index++) out[index] = 97 + (index % 7);
  return out;
}

/**
 * Reads `key` and checks the outcome is a miss or a classified error, never
 * bytes (garbage): what a wrapper must do with an entry it cannot trust.
 */
async function expectMissOrClassified(
  backend: BaseBackend,
  key: string,
  rule: string,
): Promise<void> {
  let read: unknown;
  try {
    read = await backend.get(key);
  } catch (error) {
    if (!isBackendError(error) || error.type === 'UNKNOWN')
      violation(rule, `got ${describeError(error)}`);
    return;
  }
  check(
    read === undefined,
    rule,
    `read returned ${describeValue(read)} instead of a miss or a classified error`,
  );
}

const everyLength: WrapperCase = {
  name: 'every byte length from 0 to threshold + 64 round-trips (random and repetitive content), read through another wrapper instance',
  why: 'catches off-by-one errors at the threshold, empty values turned into misses, and per-instance state (a length or key kept in memory) that another process would not have',
  run: async (harness) => {
    const writer = await harness.wrapped();
    const reader = await harness.wrapped();
    const last = harness.options.thresholdBytes + PAST_THRESHOLD;
    for (let length = 0; length <= last; length++) {
      for (const random of [true, false]) {
        const value = content(length, random);
        const key = `len:${length}:${random ? 'r' : 'p'}`;
        const rule = `a ${length}-byte ${random ? 'random' : 'repetitive'} value must round-trip`;
        await expectResolves(writer.wrapper.set(key, value), rule);
        expectBytes(await expectResolves(reader.wrapper.get(key), rule), value, rule);
      }
    }
  },
};

const largeValues: WrapperCase = {
  name: 'values far beyond the threshold (64 KiB, 1 MiB; random and repetitive) round-trip',
  why: 'catches wrappers that truncate or mis-frame large payloads (a 16-bit length field, a single zlib chunk)',
  run: async (harness) => {
    const { wrapper } = await harness.wrapped();
    for (const length of [64 * 1024, 1024 * 1024]) {
      for (const random of [true, false]) {
        const value = content(length, random);
        const rule = `a ${length}-byte ${random ? 'random' : 'repetitive'} value must round-trip`;
        await expectResolves(wrapper.set('large', value), rule);
        expectBytes(await expectResolves(wrapper.get('large'), rule), value, rule);
      }
    }
  },
};

const lookAlikes: WrapperCase = {
  name: "a value that looks like the wrapper's own stored format round-trips",
  why: "catches wrappers that recognise their format by a magic prefix and mis-decode a plain value that happens to start with it (or that equals another entry's stored bytes)",
  run: async (harness) => {
    const { wrapper, store } = await harness.wrapped();
    const rule = "a value equal to a stored entry's bytes must round-trip";
    for (const length of [0, 5, harness.options.thresholdBytes + 10]) {
      await wrapper.set('source', content(length, false));
      const raw = await store.get('source');
      if (raw === undefined)
        violation(rule, 'the wrapper stored nothing under the key it was given');
      const lookAlike = new Uint8Array(raw);
      await expectResolves(wrapper.set('look-alike', lookAlike), rule);
      expectBytes(await expectResolves(wrapper.get('look-alike'), rule), lookAlike, rule);
    }
  },
};

const transformsBytes: WrapperCase = {
  name: 'the store holds transformed bytes: no plaintext (encryption), fewer bytes for a repetitive value (compression)',
  why: 'catches a wrapper that silently stores values as they are (a misconfigured or disabled encryption or compression still round-trips)',
  skip: (options) => (options.kind === 'other' ? "kind is 'other'" : undefined),
  run: async (harness) => {
    const { wrapper, store } = await harness.wrapped();
    const value = content(harness.options.thresholdBytes + 4096, false);
    await wrapper.set('k', value);
    const raw = await store.get('k');
    if (raw === undefined)
      violation('the wrapper must store under the key it was given', 'nothing stored');
    if (harness.options.kind === 'compression') {
      check(
        raw.byteLength < value.byteLength / 2,
        'a repetitive value must be stored compressed',
        `${value.byteLength} bytes stored as ${raw.byteLength}`,
      );
    } else {
      const plaintext = Buffer.from(value.subarray(0, 32));
      check(
        !Buffer.from(raw).includes(plaintext),
        'the store must never hold the plaintext',
        'the stored bytes contain the value',
      );
    }
  },
};

const wrongKey: WrapperCase = {
  name: 'an entry read with a wrong key is a miss or a classified error, never garbage',
  why: 'catches encryption without authentication (a wrong key decrypts to garbage that the caller takes for the value)',
  skip: (options) =>
    options.wrapWithOtherKey === undefined ? 'needs wrapWithOtherKey' : undefined,
  run: async (harness) => {
    const { wrapper } = await harness.wrapped();
    const other = await harness.wrapped(true);
    await wrapper.set('k', content(100, true));
    await expectMissOrClassified(
      other.wrapper,
      'k',
      'a wrong key must give a miss or a classified error',
    );
  },
};

const tampered: WrapperCase = {
  name: 'a stored entry with one byte flipped is a miss or a classified error, never other bytes',
  why: 'catches encryption without integrity (a flipped ciphertext byte flips a plaintext byte unnoticed)',
  skip: (options) =>
    options.kind !== 'encryption' ? "integrity is claimed by kind 'encryption' only" : undefined,
  run: async (harness) => {
    const { wrapper, store } = await harness.wrapped();
    const value = content(300, true);
    await wrapper.set('k', value);
    const raw = await store.get('k');
    if (raw === undefined)
      violation('the wrapper must store under the key it was given', 'nothing stored');
    for (const at of [raw.byteLength - 1, Math.floor(raw.byteLength / 2)]) {
      const flipped = new Uint8Array(raw);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      await store.set('k', flipped);
      await expectMissOrClassified(
        wrapper,
        'k',
        `a tampered entry (byte ${at} flipped) must be a miss or a classified error`,
      );
    }
  },
};

const copiedEntry: WrapperCase = {
  name: 'an entry copied under another key is a miss or a classified error',
  why: 'catches encryption that does not bind the cache key: someone with store access moves a value to another key (e.g. their own user id)',
  skip: (options) =>
    options.kind !== 'encryption' ? "key binding is claimed by kind 'encryption' only" : undefined,
  run: async (harness) => {
    const { wrapper, store } = await harness.wrapped();
    await wrapper.set('user:1', content(64, true));
    const raw = await store.get('user:1');
    if (raw === undefined)
      violation('the wrapper must store under the key it was given', 'nothing stored');
    await store.set('user:2', raw);
    await expectMissOrClassified(
      wrapper,
      'user:2',
      'an entry copied under another key must not be read as a value',
    );
  },
};

/** Byte-level wrapper rules. */
export const byteWrapperGroup: WrapperGroup = {
  name: 'byte wrapper',
  description:
    'every byte length round-trips around the threshold and beyond, look-alike values, the stored bytes are transformed; encryption: wrong key, tampering and copying give a miss or a classified error',
  cases: [everyLength, largeValues, lookAlikes, transformsBytes, wrongKey, tampered, copiedEntry],
};
