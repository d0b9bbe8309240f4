/**
 * Tagged JSON, the body of the default serializer's `TAGGED_JSON` and
 * `TAGGED_JSON_HOLES` formats: JSON in which values JSON cannot express are
 * objects with a `"\u0000"` property naming their kind (`u` undefined, `n`
 * special number, `b` BigInt, `D` Date, `M` Map, `S` Set, `U` Uint8Array,
 * `B` Buffer, `O` an object that itself has a `"\u0000"` key, and in
 * `TAGGED_JSON_HOLES` only, `h` a run of array holes: `{"\u0000":"h","v":n}`
 * followed by n-1 `null`s).
 *
 * Encoding goes through `JSON.stringify` (recursive, so the nesting depth is
 * bounded before it can exhaust the stack); decoding uses `JSON.parse` and an
 * explicit stack (no recursion), so entries of any depth decode.
 */

const MARK = '\u0000';
const HOLE = 'h';

/** What {@link encodeTaggedJson} produced. */
export interface TaggedJson {
  /** The JSON text. */
  json: string;
  /** The value holds array holes: the text uses `h` markers. */
  holes: boolean;
}

/** The state of one encoding (one per call, so a `toJSON` may encode too). */
interface EncodeState {
  readonly maxDepth: number;
  /** Objects from the root wrapper down to the current holder: index = depth. */
  readonly path: object[];
  /** The array whose run of holes is being written, the run's first index and the index ending it. */
  runArray: unknown;
  runStart: number;
  runEnd: number;
  holes: boolean;
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function tagged(tag: string, v?: unknown): Record<string, unknown> {
  return v === undefined ? { [MARK]: tag } : { [MARK]: tag, v };
}

function describeNumber(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return undefined;
}

/** A hole at `index` of `array`: the first of a run is a marker, the rest `null`. */
function hole(state: EncodeState, array: unknown[], index: number): unknown {
  state.holes = true;
  // Inside the run being written: null. (The same array may be written twice.)
  if (state.runArray === array && index > state.runStart && index < state.runEnd) return undefined;
  let end = index + 1;
  while (end < array.length && !(end in array)) end++;
  state.runArray = array;
  state.runStart = index;
  state.runEnd = end;
  return tagged(HOLE, end - index);
}

function replaceValue(
  state: EncodeState,
  holder: Record<string, unknown>,
  key: string,
  value: unknown,
): unknown {
  const raw = holder[key];
  switch (typeof raw) {
    case 'undefined':
      if (Array.isArray(holder) && !(key in holder)) return hole(state, holder, Number(key));
      return tagged('u');
    case 'number': {
      const special = describeNumber(raw);
      return special === undefined ? value : tagged('n', special);
    }
    case 'bigint':
      return tagged('b', raw.toString());
    case 'function':
    case 'symbol':
      throw new TypeError(
        `the default serializer cannot encode a ${typeof raw} (at property ${JSON.stringify(key)})`,
      );
    case 'object': {
      if (raw === null) return null;
      if (raw instanceof Date) {
        const time = raw.getTime();
        return tagged('D', Number.isNaN(time) ? null : time);
      }
      if (raw instanceof Map) return tagged('M', [...raw]);
      if (raw instanceof Set) return tagged('S', [...raw]);
      if (raw instanceof Uint8Array) {
        return tagged(Buffer.isBuffer(raw) ? 'B' : 'U', bytesToBase64(raw));
      }
      if (ArrayBuffer.isView(raw) || raw instanceof ArrayBuffer) {
        throw new TypeError(
          `the default serializer cannot encode a ${raw.constructor.name} (at property ${JSON.stringify(key)}); use a Uint8Array or Buffer`,
        );
      }
      if (value === raw && !Array.isArray(raw) && Object.hasOwn(raw, MARK)) {
        return tagged('O', Object.entries(raw));
      }
      return value;
    }
    default:
      return value;
  }
}

/**
 * Encodes `value` as tagged JSON. Every object and array of the encoded form
 * is one level (the root is level 1; a tagged Map adds three, a Set two, a
 * Date one).
 * @throws TypeError for a value JSON cannot hold (function, symbol, circular
 * reference, typed array other than `Uint8Array`), nested deeper than
 * `maxDepth` levels, or too large or deep for the stack that is left (never
 * a `RangeError`).
 */
export function encodeTaggedJson(value: unknown, maxDepth: number): TaggedJson {
  const state: EncodeState = {
    maxDepth,
    path: [],
    runArray: undefined,
    runStart: 0,
    runEnd: 0,
    holes: false,
  };
  let json: string | undefined;
  try {
    json = JSON.stringify(value, function (this: unknown, key: string, current: unknown) {
      const holder = this as Record<string, unknown>;
      const path = state.path;
      // JSON.stringify walks depth first: the holder is on the path (or is the root wrapper).
      while (path.length > 0 && path[path.length - 1] !== holder) path.pop();
      if (path.length === 0) path.push(holder);
      const out = replaceValue(state, holder, key, current);
      if (typeof out === 'object' && out !== null) {
        if (path.length > state.maxDepth) {
          throw new TypeError(
            `the value is nested deeper than ${state.maxDepth} levels (the default serializer's maxDepth)`,
          );
        }
        path.push(out);
      }
      return out;
    });
  } catch (error) {
    // A stack overflow (a caller already deep in its own stack) or a string
    // too long for V8: a TypeError like every other value it cannot encode.
    if (error instanceof RangeError) {
      throw new TypeError(`the default serializer could not encode the value: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  if (json === undefined)
    throw new TypeError('the value encodes to nothing (toJSON returned undefined)');
  return { json, holes: state.holes };
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** The elements of a decoded list, which must have no holes. */
function dense(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new TypeError('expected a list');
  for (let index = 0; index < v.length; index++) {
    if (!(index in v)) throw new TypeError('unexpected hole in a tagged list');
  }
  return v;
}

function pairs(v: unknown): [unknown, unknown][] {
  return dense(v).map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !(0 in pair) || !(1 in pair)) {
      throw new TypeError('expected a pair');
    }
    return [pair[0], pair[1]];
  });
}

/** Builds the value of a tagged node whose contents are already revived. */
function reviveTagged(node: Record<string, unknown>): unknown {
  const v = node.v;
  switch (node[MARK]) {
    case 'u':
      return undefined;
    case 'n':
      if (v === 'NaN') return Number.NaN;
      if (v === 'Infinity') return Number.POSITIVE_INFINITY;
      if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (v === '-0') return -0;
      break;
    case 'b':
      if (typeof v === 'string') return BigInt(v);
      break;
    case 'D':
      if (v === null) return new Date(Number.NaN);
      if (typeof v === 'number') return new Date(v);
      break;
    case 'M':
      return new Map(pairs(v));
    case 'S':
      return new Set(dense(v));
    case 'U':
      if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
      break;
    case 'B':
      if (typeof v === 'string') return Buffer.from(v, 'base64');
      break;
    case 'O': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of pairs(v)) {
        if (typeof key !== 'string') throw new TypeError('expected a string property name');
        setOwn(out, key, value);
      }
      return out;
    }
  }
  throw new TypeError(`unknown or malformed tagged value ${JSON.stringify(node[MARK])}`);
}

function isTagged(node: object): node is Record<string, unknown> {
  return !Array.isArray(node) && Object.hasOwn(node, MARK);
}

/** Turns the run of holes starting at `index` back into holes; returns the index after it. */
function punchHoles(array: unknown[], index: number, marker: Record<string, unknown>): number {
  const count = marker.v;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new TypeError('malformed run of holes');
  }
  const end = index + count;
  if (end > array.length) throw new TypeError('a run of holes past the end of its array');
  for (let at = index + 1; at < end; at++) {
    if (array[at] !== null) throw new TypeError('malformed run of holes');
  }
  // Deleting an element is how an array gets a hole back.
  for (let at = index; at < end; at++) delete array[at];
  return end;
}

/**
 * Decodes tagged JSON. Walks the parsed tree with an explicit stack (any
 * depth), then builds tagged values deepest first and writes each into its
 * parent. `holes`: the text may hold `h` markers (format `TAGGED_JSON_HOLES`).
 * @throws SyntaxError or TypeError for text it did not write.
 */
export function decodeTaggedJson(text: string, holes: boolean): unknown {
  const root: unknown = JSON.parse(text);
  if (typeof root !== 'object' || root === null) return root;
  // Tagged nodes in discovery order, as (node, parent, key) triples: a node's
  // descendants are always discovered after it.
  const found: unknown[] = [];
  if (isTagged(root)) found.push(root, undefined, undefined);
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as object;
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        const child: unknown = node[index];
        if (typeof child !== 'object' || child === null) continue;
        if (isTagged(child)) {
          if (holes && child[MARK] === HOLE) {
            index = punchHoles(node, index, child) - 1;
            continue;
          }
          found.push(child, node, index);
        }
        stack.push(child);
      }
    } else {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (typeof child !== 'object' || child === null) continue;
        if (isTagged(child)) found.push(child, record, key);
        stack.push(child);
      }
    }
  }
  let result: unknown = root;
  for (let at = found.length - 3; at >= 0; at -= 3) {
    const value = reviveTagged(found[at] as Record<string, unknown>);
    const parent = found[at + 1];
    if (parent === undefined) result = value;
    else if (Array.isArray(parent)) parent[found[at + 2] as number] = value;
    else setOwn(parent as Record<string, unknown>, found[at + 2] as string, value);
  }
  return result;
}
