import type { Operation } from './operations.js';
import type { ReferenceModel } from './reference-model.js';
import { describeResult, Mismatch } from './violations.js';

/** True for a key the contract accepts (the model only ever holds such keys). */
export function isModelKey(key: unknown): key is string {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    key.isWellFormed() &&
    Buffer.byteLength(key, 'utf8') <= 1024
  );
}

function sameBytes(actual: unknown, expected: Uint8Array): boolean {
  return actual instanceof Uint8Array && Buffer.from(actual).equals(expected);
}

/** Checks a read of `key` (bytes or `undefined`, as from `get`) against the model, adopting a miss the expiry window allows. */
export function checkRead(
  model: ReferenceModel,
  key: string,
  actual: unknown,
  started: number,
  ended: number,
  what: string,
): void {
  const state = model.state(key, started, ended);
  if (state.kind === 'unknown') {
    if (actual !== undefined && !(actual instanceof Uint8Array))
      throw new Mismatch(
        'model-mismatch',
        `${what}: expected bytes or a miss, got ${describeResult(actual)}`,
      );
    return;
  }
  if (state.kind === 'absent') {
    if (actual !== undefined)
      throw new Mismatch(
        'model-mismatch',
        `${what}: expected a miss, got ${describeResult(actual)}`,
      );
    return;
  }
  if (actual === undefined) {
    if (state.kind === 'present')
      throw new Mismatch(
        'model-mismatch',
        `${what}: expected bytes(${state.entry.value.byteLength}), got a miss`,
      );
    model.delete(key);
    return;
  }
  if (!sameBytes(actual, state.entry.value)) {
    throw new Mismatch(
      'model-mismatch',
      `${what}: expected bytes(${state.entry.value.byteLength}) as written, got ${describeResult(actual)} with other contents`,
    );
  }
  // A returned array must not alias storage: scribble on it; later reads must not see it.
  if (actual instanceof Uint8Array && actual.byteLength > 0) actual[0] = (actual[0] ?? 0) ^ 0xff;
}

/** Checks a yes/no presence answer (`exists`, `delete`, `refreshTtl`); returns whether the key was known to be live. */
export function checkPresence(
  model: ReferenceModel,
  key: string,
  actual: unknown,
  started: number,
  ended: number,
  what: string,
): boolean {
  if (typeof actual !== 'boolean')
    throw new Mismatch(
      'model-mismatch',
      `${what}: expected a boolean, got ${describeResult(actual)}`,
    );
  const state = model.state(key, started, ended);
  if (state.kind === 'present' && !actual)
    throw new Mismatch('model-mismatch', `${what}: expected true (the key is live), got false`);
  if (state.kind === 'absent' && actual)
    throw new Mismatch('model-mismatch', `${what}: expected false (the key is missing), got true`);
  if (!actual) model.delete(key);
  return actual && state.kind !== 'unknown';
}

/** Checks a `getTtl` answer: `undefined` when missing, `Infinity` without expiry, else the remaining ms within the window. */
export function checkTtl(
  model: ReferenceModel,
  key: string,
  actual: unknown,
  started: number,
  ended: number,
) {
  const state = model.state(key, started, ended);
  if (actual === undefined) {
    if (state.kind === 'present')
      throw new Mismatch('model-mismatch', 'getTtl: expected a TTL, got undefined (missing)');
    model.delete(key);
    return;
  }
  if (state.kind === 'unknown') return;
  if (state.kind === 'absent')
    throw new Mismatch(
      'model-mismatch',
      `getTtl: expected undefined (missing), got ${String(actual)}`,
    );
  const { entry } = state;
  if (entry.expiresFrom === undefined) {
    if (actual !== Number.POSITIVE_INFINITY)
      throw new Mismatch(
        'model-mismatch',
        `getTtl: expected Infinity (no expiry), got ${String(actual)}`,
      );
    return;
  }
  const [low, high] = model.ttlRange(entry, started, ended);
  if (typeof actual !== 'number' || !(actual >= 1) || actual < low || actual > high) {
    throw new Mismatch(
      'model-mismatch',
      `getTtl: expected ms in [${Math.max(1, Math.floor(low))}, ${Math.ceil(high)}], got ${String(actual)}`,
    );
  }
}

/** Checks a `keys(prefix)` listing: no duplicates, only live keys with the prefix, and every certainly live one. */
export function checkKeys(
  model: ReferenceModel,
  prefix: string,
  listed: string[],
  started: number,
  ended: number,
) {
  if (new Set(listed).size !== listed.length)
    throw new Mismatch('model-mismatch', 'keys: a key was listed twice');
  for (const k of listed) {
    if (!k.startsWith(prefix))
      throw new Mismatch(
        'model-mismatch',
        `keys: ${JSON.stringify(k).slice(0, 40)} does not start with the prefix`,
      );
    if (model.state(k, started, ended).kind === 'absent') {
      throw new Mismatch(
        'model-mismatch',
        `keys: listed ${JSON.stringify(k).slice(0, 40)}, which is missing`,
      );
    }
  }
  const seen = new Set(listed);
  for (const k of model.keys()) {
    if (k.startsWith(prefix) && !seen.has(k) && model.state(k, started, ended).kind === 'present') {
      throw new Mismatch(
        'model-mismatch',
        `keys: the live key ${JSON.stringify(k).slice(0, 40)} was not listed`,
      );
    }
  }
}

/** The keys a call names (valid or not), to read back after it was rejected. */
export function keysNamedBy(operation: Operation): unknown[] {
  const [first] = operation.args;
  switch (operation.kind) {
    case 'set':
    case 'delete':
    case 'refreshTtl':
      return [first];
    case 'deleteMany':
      return Array.isArray(first) ? [...first] : [];
    case 'setMany':
      return Array.isArray(first)
        ? Array.from(first, (entry) => {
            try {
              return (entry as { key?: unknown } | null)?.key;
            } catch {
              return undefined;
            }
          })
        : [];
    default:
      return [];
  }
}
