import { createSecretKey, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { BackendError } from '@cachestack/core';
import { MemoryBackend } from '@cachestack/memory';
import { afterEach, describe, expect, test } from 'vitest';
import {
  ENCRYPTION_HEADER_BYTES,
  EncryptionBackend,
  type EncryptionBackendOptions,
  EncryptionKey,
} from '../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

const material1 = randomBytes(32);
const material2 = randomBytes(32);
const key1 = new EncryptionKey(1, material1);
const key2 = new EncryptionKey(2, material2);
const secret = Buffer.from('the secret value: card 4111 1111 1111 1111');

function setup(options: Partial<EncryptionBackendOptions> = {}, inner = new MemoryBackend()) {
  const backend = new EncryptionBackend(inner, { keys: [key1], ...options, closeInner: false });
  open.push(backend, inner);
  return { inner, backend };
}

async function corruption(promise: Promise<unknown>, key = 'k'): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackendError);
  expect(error).toMatchObject({ type: 'PERMANENT', code: 'CORRUPT', key });
  return error as BackendError;
}

describe('EncryptionBackend', () => {
  test('stores ciphertext with a fresh nonce per write, and reads the plaintext back', async () => {
    const { inner, backend } = setup();
    await backend.set('k', secret);
    const first = Buffer.from((await inner.get('k')) as Uint8Array);
    await backend.set('k', secret);
    const second = Buffer.from((await inner.get('k')) as Uint8Array);
    expect(first.includes(Buffer.from('secret value'))).toBe(false);
    expect(first.length).toBe(secret.length + ENCRYPTION_HEADER_BYTES + 16);
    expect(first[4]).toBe(1); // key id
    expect(first.subarray(5, 17).equals(second.subarray(5, 17))).toBe(false); // nonces differ
    expect(first.equals(second)).toBe(false);
    expect(Buffer.from((await backend.get('k')) as Uint8Array).equals(secret)).toBe(true);
    const [many] = (await backend.getMany?.(['k'])) ?? [];
    expect(Buffer.from(many as Uint8Array).equals(secret)).toBe(true);
  });

  test('10,000 writes use 10,000 distinct nonces', async () => {
    const { inner, backend } = setup();
    const nonces = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      await backend.set('k', secret);
      nonces.add(
        Buffer.from((await inner.get('k')) as Uint8Array)
          .subarray(5, 17)
          .toString('hex'),
      );
    }
    expect(nonces.size).toBe(10_000);
  });

  test('an entry copied under another key fails to decrypt (the key is associated data)', async () => {
    const { inner, backend } = setup();
    await backend.set('user:1:card', secret);
    await inner.set('user:2:card', (await inner.get('user:1:card')) as Uint8Array);
    await corruption(backend.get('user:2:card'), 'user:2:card');
    const [copied] = await (backend.getMany?.(['user:2:card']) ?? Promise.resolve([])).catch(
      (error: unknown) => [error],
    );
    expect(copied).toMatchObject({ code: 'CORRUPT', operation: 'getMany' });
  });

  test('an entry copied into another context fails to decrypt', async () => {
    const inner = new MemoryBackend();
    const tenantA = setup({ context: 'tenant-a' }, inner).backend;
    const tenantB = setup({ context: 'tenant-b' }, inner).backend;
    await tenantA.set('k', secret);
    await corruption(tenantB.get('k'));
  });

  test('tampering with any byte (header, nonce, ciphertext, tag) is CORRUPT, never garbage', async () => {
    const { inner, backend } = setup();
    await backend.set('k', secret);
    const good = Buffer.from((await inner.get('k')) as Uint8Array);
    for (const index of [3, 4, 5, 16, 17, 30, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[index] = (bad[index] as number) ^ 0x01;
      await inner.set('k', bad);
      await corruption(backend.get('k'));
    }
    await inner.set('k', good.subarray(0, 20));
    await corruption(backend.get('k'));
  });

  test('an entry that was never encrypted is CORRUPT', async () => {
    const { inner, backend } = setup();
    await inner.set('k', secret);
    const error = await corruption(backend.get('k'));
    expect(error.message).toMatch(/not written by an EncryptionBackend/);
  });

  test('a wrong key with the same id fails authentication', async () => {
    const inner = new MemoryBackend();
    const writer = setup({}, inner).backend;
    const impostor = setup({ keys: [new EncryptionKey(1, randomBytes(32))] }, inner).backend;
    await writer.set('k', secret);
    const error = await corruption(impostor.get('k'));
    expect(error.message).toMatch(/failed authentication with key id 1/);
  });

  test('key rotation: new key first, old keys still read; an unknown key id is CORRUPT', async () => {
    const inner = new MemoryBackend();
    const before = setup({ keys: [key1] }, inner).backend;
    await before.set('old', secret);
    const rotated = setup({ keys: [key2, key1] }, inner).backend;
    expect(Buffer.from((await rotated.get('old')) as Uint8Array).equals(secret)).toBe(true);
    await rotated.set('new', secret);
    expect((await inner.get('new'))?.[4]).toBe(2);
    expect(rotated.currentKeyId).toBe(2);
    const retired = setup({ keys: [key2] }, inner).backend;
    const error = await corruption(retired.get('old'), 'old');
    expect(error.message).toMatch(/key id 1, which is not configured/);
  });

  test('key material never shows in inspect output, JSON, messages or errors', async () => {
    const { inner, backend } = setup({ keys: [key2, key1] });
    const options = { keys: [key2, key1], context: 'app' };
    await inner.set('k', secret);
    const plain = await corruption(backend.get('k'));
    await backend.set('k', secret);
    const tampered = Buffer.from((await inner.get('k')) as Uint8Array);
    tampered[30] = (tampered[30] as number) ^ 1;
    await inner.set('k', tampered);
    const failed = await corruption(backend.get('k'));
    const badKey = (() => {
      try {
        new EncryptionKey(3, material1.subarray(0, 31));
      } catch (caught) {
        return caught;
      }
    })();
    const shown = [
      inspect(backend, { depth: 10, showHidden: true }),
      inspect(options, { depth: 10, showHidden: true }),
      inspect(key1, { showHidden: true }),
      JSON.stringify(options),
      String(key1),
      ...[plain, failed].flatMap((error) => [
        inspect(error, { depth: 10, showHidden: true }),
        String(error.stack),
        JSON.stringify(error),
      ]),
      inspect(badKey, { depth: 10 }),
      inspect(await backend.healthCheck(), { depth: 10 }),
    ].join('\n');
    expect(shown).toContain('EncryptionKey { id: 2, key: [redacted] }');
    for (const material of [material1, material2]) {
      for (const encoding of ['hex', 'base64', 'base64url', 'latin1'] as const) {
        expect(shown).not.toContain(material.toString(encoding));
      }
      expect(shown).not.toContain(material.subarray(0, 8).toString('hex'));
      expect(shown).not.toContain([...material.subarray(0, 4)].join(', '));
    }
  });

  test('keys may be given as secret KeyObjects', async () => {
    const { backend } = setup({ keys: [new EncryptionKey(9, createSecretKey(randomBytes(32)))] });
    await backend.set('k', secret);
    expect(Buffer.from((await backend.get('k')) as Uint8Array).equals(secret)).toBe(true);
  });

  test('bad options throw a TypeError naming the option, never showing key material', () => {
    const inner = new MemoryBackend();
    open.push(inner);
    const bad: [() => unknown, RegExp][] = [
      [() => new EncryptionBackend(inner, undefined as never), /options with "keys" are required/],
      [() => new EncryptionBackend(inner, { keys: [] }), /option "keys" must be a non-empty array/],
      [
        () => new EncryptionBackend(inner, { keys: [material1 as never] }),
        /option "keys\[0\]" must be an EncryptionKey/,
      ],
      [
        () => new EncryptionBackend(inner, { keys: [key1, new EncryptionKey(1, material2)] }),
        /two keys with id 1/,
      ],
      [
        () => new EncryptionBackend(inner, { keys: [key1], context: 5 as never }),
        /option "context"/,
      ],
      [
        () => new EncryptionKey(1, material1.subarray(0, 16)),
        /"key" must be 32 bytes \(AES-256\), got 16 bytes/,
      ],
      [() => new EncryptionKey(256, material1), /"id" must be an integer from 0 to 255/],
      [() => new EncryptionKey(1, 'secret' as never), /"key" must be a Uint8Array/],
      [
        () => new EncryptionKey(1, createSecretKey(randomBytes(16))),
        /secret KeyObject of 32 bytes/,
      ],
    ];
    for (const [make, message] of bad) {
      expect(make).toThrow(TypeError);
      expect(make).toThrow(message);
      try {
        make();
      } catch (error) {
        expect((error as Error).message).not.toContain(material1.toString('hex').slice(0, 16));
      }
    }
  });
});
