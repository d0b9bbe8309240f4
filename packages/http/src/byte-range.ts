/** One satisfiable byte range, inclusive offsets. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range` header (RFC 9110 §14.2) holding exactly one byte range
 * (`bytes=0-1`, `bytes=5-`, `bytes=-3`) against a representation of `size`
 * bytes. `undefined` for anything else (several ranges, other units, an
 * unsatisfiable or malformed range): such requests go to the origin.
 */
export function parseSingleByteRange(value: string, size: number): ByteRange | undefined {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!match || size === 0) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    if (suffix === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return undefined;
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return undefined;
  return { start, end };
}
