/**
 * How the object tier hands a held value to callers:
 * - `'freeze'`: the value is deep-frozen once and every hit returns that
 *   same frozen object (callers cannot change it; in strict mode a write
 *   throws). A value containing a `Date`, `Map`, `Set` or `Uint8Array`,
 *   which freezing cannot protect, is deep-copied per hit instead.
 * - `'clone'`: every hit returns a deep copy of the held value (what
 *   `structuredClone` would return; plain objects, arrays, `Date`, `Map`,
 *   `Set` and `Uint8Array` are copied directly, which is faster).
 * - `'share'`: every hit returns the same mutable object. A caller that
 *   changes it changes what every later caller gets, until the entry leaves
 *   the object tier. Only for values nobody mutates.
 */
export type ObjectTierMode = 'freeze' | 'clone' | 'share';

/**
 * How a value is held: `same` (return it as is), `copy` (deep-copied per
 * hit by {@link copyValue}) or `clone` (`structuredClone` per hit, for
 * values with shared references).
 */
export type HeldAs = 'same' | 'copy' | 'clone';

/** What {@link prepareHeldValue} decided. */
export type Prepared = { value: unknown; as: HeldAs } | undefined;

/**
 * Nesting deeper than this is not held by a copying mode: {@link copyValue}
 * and `structuredClone` both recurse (the latter overflows near 2,000
 * levels), so such a value (only an entry written by an older version can be
 * that deep) is served by decoding instead, which does not recurse.
 */
const MAX_COPY_DEPTH = 1_000;

/** Values `structuredClone` copies faithfully and freezing leaves mutable. */
function isCloneOnly(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (
    proto === Date.prototype ||
    proto === Map.prototype ||
    proto === Set.prototype ||
    proto === Uint8Array.prototype
  );
}

function isPlainContainer(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || proto === Array.prototype;
}

/** What {@link survey} found in a value. */
interface Survey {
  /** Its plain objects and arrays. */
  containers: object[];
  /** It holds a `Date`, `Map`, `Set` or `Uint8Array`. */
  cloneOnly: boolean;
  /** An object is reached twice: only `structuredClone` copies it right. */
  needsStructuredClone: boolean;
  /** Nesting goes beyond {@link MAX_COPY_DEPTH}: no recursive copy is safe. */
  tooDeepToCopy: boolean;
}

/**
 * Walks `value` (iteratively: depth cannot overflow the stack). Returns
 * `undefined` when it holds something a copy would not give back as it is
 * (a class instance, a `Buffer`, a function, another typed array...).
 */
function survey(root: object): Survey | undefined {
  const found: Survey = {
    containers: [],
    cloneOnly: false,
    needsStructuredClone: false,
    tooDeepToCopy: false,
  };
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item === 'function' || typeof item === 'symbol') return undefined;
    if (typeof item !== 'object' || item === null) continue;
    if (seen.has(item)) {
      found.needsStructuredClone = true;
      continue;
    }
    seen.add(item);
    if (depth > MAX_COPY_DEPTH) found.tooDeepToCopy = true;
    if (isPlainContainer(item)) {
      found.containers.push(item);
      for (const child of Object.values(item)) stack.push([child, depth + 1]);
    } else if (isCloneOnly(item)) {
      found.cloneOnly = true;
      if (item instanceof Map) {
        for (const [k, v] of item) stack.push([k, depth + 1], [v, depth + 1]);
      } else if (item instanceof Set) {
        for (const v of item) stack.push([v, depth + 1]);
      }
    } else {
      return undefined;
    }
  }
  return found;
}

/**
 * A deep copy of a value {@link survey} accepted without shared references:
 * plain objects (null prototype kept), arrays, `Date`, `Map`, `Set`,
 * `Uint8Array` and primitives. The same result as `structuredClone` for
 * these, several times faster.
 */
export function copyValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copyValue(value[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
    for (const key of Object.keys(value)) {
      const copy = copyValue((value as Record<string, unknown>)[key]);
      if (key === '__proto__') {
        // An own "__proto__" property (JSON.parse makes one) stays a property, not a prototype.
        Object.defineProperty(out, key, {
          value: copy,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        out[key] = copy;
      }
    }
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(copyValue(k), copyValue(v));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    for (const v of value) out.add(copyValue(v));
    return out;
  }
  return (value as Uint8Array).slice();
}

/**
 * Decides how the object tier holds a freshly decoded `value` (which no
 * caller has seen yet) for `mode`: primitives are immutable and always
 * shared; `'share'` holds anything; `'freeze'` deep-freezes plain objects
 * and arrays (falling back to copying for values with a `Date`, `Map`,
 * `Set` or `Uint8Array`); `'clone'` holds values it can copy faithfully.
 * `undefined`: the value is not held (it is served by decoding, as without
 * the object tier).
 */
export function prepareHeldValue(value: unknown, mode: ObjectTierMode): Prepared {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' ? undefined : { value, as: 'same' };
  }
  if (mode === 'share') return { value, as: 'same' };
  const found = survey(value);
  if (found === undefined) return undefined;
  if (mode === 'clone' || found.cloneOnly) {
    if (found.tooDeepToCopy) return undefined;
    return { value, as: found.needsStructuredClone ? 'clone' : 'copy' };
  }
  for (const container of found.containers) Object.freeze(container);
  return { value, as: 'same' };
}
