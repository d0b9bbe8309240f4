const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/u;

/** Index just past the string, template or comment starting at `i`, or `i` when none starts there. */
function skipNonCode(src: string, i: number): number {
  const ch = src[i];
  if (ch === '/' && src[i + 1] === '/') {
    const end = src.indexOf('\n', i);
    return end < 0 ? src.length : end + 1;
  }
  if (ch === '/' && src[i + 1] === '*') {
    const end = src.indexOf('*/', i + 2);
    return end < 0 ? src.length : end + 2;
  }
  if (ch === '"' || ch === "'") {
    let j = i + 1;
    while (j < src.length && src[j] !== ch) j += src[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (ch === '`') {
    let j = i + 1;
    while (j < src.length && src[j] !== '`') {
      if (src[j] === '\\') {
        j += 2;
      } else if (src[j] === '$' && src[j + 1] === '{') {
        let depth = 1;
        j += 2;
        while (j < src.length && depth > 0) {
          const skipped = skipNonCode(src, j);
          if (skipped !== j) {
            j = skipped;
            continue;
          }
          if (src[j] === '{') depth++;
          else if (src[j] === '}') depth--;
          j++;
        }
      } else {
        j++;
      }
    }
    return j + 1;
  }
  return i;
}

/** Splits `text` at top-level occurrences of `separator` (outside brackets, strings, comments). */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const skipped = skipNonCode(text, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const ch = text[i] as string;
    if (OPEN.has(ch)) depth++;
    else if (CLOSE.has(ch)) depth--;
    else if (depth === 0 && ch === separator) {
      const next = text[i + 1];
      const prev = text[i - 1];
      // `=` as a default separator, not `=>`, `==`, `<=`, `>=`, `!=`.
      if (separator !== '=' || (next !== '>' && next !== '=' && !'<>!='.includes(prev ?? ''))) {
        parts.push(text.slice(start, i));
        start = i + 1;
        if (separator === '=') break;
      }
    }
    i++;
  }
  parts.push(text.slice(start));
  return parts;
}

function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const skipped = skipNonCode(text, i);
    if (skipped !== i && text[i] === '/') {
      out += ' ';
      i = skipped;
    } else if (skipped !== i) {
      out += text.slice(i, skipped);
      i = skipped;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/** The source text of the parameter list (without parentheses). */
function parameterSource(src: string): string {
  let depth = 0;
  let i = 0;
  while (i < src.length) {
    const skipped = skipNonCode(src, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const ch = src[i] as string;
    if (depth === 0 && ch === '=' && src[i + 1] === '>') {
      // `x => …` or `async x => …`: the single parameter is the word before the arrow.
      const words = stripComments(src.slice(0, i)).trim().split(/\s+/u);
      return words[words.length - 1] ?? '';
    }
    if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === '(' && depth === 0) {
      let inner = 1;
      let j = i + 1;
      while (j < src.length && inner > 0) {
        const next = skipNonCode(src, j);
        if (next !== j) {
          j = next;
          continue;
        }
        if (src[j] === '(') inner++;
        else if (src[j] === ')') inner--;
        j++;
      }
      return src.slice(i + 1, j - 1);
    }
    i++;
  }
  throw new TypeError('could not find the parameter list of the function');
}

/**
 * The names of `fn`'s parameters, read from its source text, by position.
 * A destructured parameter (`{ id }`, `[a, b]`) has no name: `undefined`.
 * A rest parameter (`...ids`) is named. Defaults and comments are handled.
 * Minified code has minified names: use index placeholders or a key function then.
 */
export function parameterNames(fn: (...args: never[]) => unknown): (string | undefined)[] {
  const source = parameterSource(Function.prototype.toString.call(fn));
  const cleaned = stripComments(source);
  if (cleaned.trim() === '') return [];
  return splitTopLevel(cleaned, ',')
    .map((part) => part.trim())
    .filter((part, index, all) => part !== '' || index < all.length - 1)
    .map((part) => {
      const target = (splitTopLevel(part, '=')[0] ?? '')
        .trim()
        .replace(/^\.\.\./u, '')
        .trim();
      return IDENTIFIER.test(target) ? target : undefined;
    });
}
