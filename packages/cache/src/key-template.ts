import { BackendError, BackendErrorCode, BackendErrorType } from '@cachestack/core';
import { parameterNames } from './parameter-names.js';

/**
 * How a declarative helper builds a cache key from a call's arguments:
 *
 * - a template string such as `'user:{id}'`, `'order:{order.id}:{1}'`:
 *   `{name}` is the parameter of that name, `{0}` the first argument, and a
 *   dotted path reads a property (`{user.address.city}`). `{{` and `}}` are
 *   literal braces. Values are formatted as: strings as they are; numbers,
 *   bigints and booleans with `String`; dates as ISO 8601; `null` as `null`;
 *   other objects as JSON. A placeholder that resolves to `undefined`
 *   rejects with `INVALID_KEY`, unless it ends with `?` (`{page?}`), which
 *   makes it empty. Placeholders read the arguments as passed: parameter
 *   defaults are not applied (the function has not run yet).
 * - a function `(...args) => string`, for anything a template cannot say.
 */
export type KeySpec<Args extends unknown[] = never[]> = string | ((...args: Args) => string);

type Segment = string | { path: string[]; index: number; text: string; optional: boolean };

function formatPart(value: unknown, placeholder: string, template: string): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      throw new BackendError({
        type: BackendErrorType.PERMANENT,
        code: BackendErrorCode.INVALID_KEY,
        message: `key template ${JSON.stringify(template)}: ${placeholder} is undefined for this call`,
        operation: 'keyTemplate',
      });
    case 'object':
      if (value === null) return 'null';
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    default:
      return String(value);
  }
}

function parseTemplate(template: string, names: (string | undefined)[], fnName: string): Segment[] {
  const segments: Segment[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    if ((ch === '{' || ch === '}') && template[i + 1] === ch) {
      literal += ch;
      i += 2;
      continue;
    }
    if (ch === '}') throw new TypeError(`key template ${JSON.stringify(template)}: unmatched "}"`);
    if (ch !== '{') {
      literal += ch;
      i++;
      continue;
    }
    const end = template.indexOf('}', i);
    if (end < 0) throw new TypeError(`key template ${JSON.stringify(template)}: unclosed "{"`);
    const raw = template.slice(i + 1, end).trim();
    const optional = raw.endsWith('?');
    const text = optional ? raw.slice(0, -1).trim() : raw;
    const path = text.split('.').map((part) => part.trim());
    if (path.some((part) => part === '')) {
      throw new TypeError(
        `key template ${JSON.stringify(template)}: empty placeholder part in {${text}}`,
      );
    }
    const head = path[0] as string;
    const index = /^\d+$/u.test(head) ? Number(head) : names.indexOf(head);
    if (index < 0) {
      const known = names.map((name, n) => name ?? `{${n}}`).join(', ');
      throw new TypeError(
        `key template ${JSON.stringify(template)} uses {${text}}, but ${fnName} has parameters (${known}); use an index such as {0} for destructured parameters`,
      );
    }
    if (literal !== '') segments.push(literal);
    literal = '';
    segments.push({ path: path.slice(1), index, text: `{${raw}}`, optional });
    i = end + 1;
  }
  if (literal !== '') segments.push(literal);
  return segments;
}

/**
 * Compiles `spec` for the function `fn` into a function from call arguments
 * to a key. Template placeholders are checked against `fn`'s parameter
 * names now, so a typo fails when the function is wrapped, not when called.
 * @throws TypeError for a malformed template or an unknown parameter name.
 */
export function compileKey(
  spec: KeySpec<never[]>,
  fn: (...args: never[]) => unknown,
  fnName: string,
): (args: readonly unknown[]) => string {
  if (typeof spec === 'function') {
    return (args) => {
      const key = (spec as (...all: unknown[]) => unknown)(...args);
      if (typeof key !== 'string') {
        throw new BackendError({
          type: BackendErrorType.PERMANENT,
          code: BackendErrorCode.INVALID_KEY,
          message: `the key function of ${fnName} returned ${typeof key}, not a string`,
          operation: 'keyTemplate',
        });
      }
      return key;
    };
  }
  if (typeof spec !== 'string' || spec === '') {
    throw new TypeError('key must be a non-empty template string or a function returning the key');
  }
  const needsNames = /\{\s*[A-Za-z_$]/u.test(spec.replaceAll('{{', ''));
  const names = needsNames ? parameterNames(fn) : [];
  const segments = parseTemplate(spec, names, fnName);
  return (args) => {
    let key = '';
    for (const segment of segments) {
      if (typeof segment === 'string') {
        key += segment;
        continue;
      }
      let value: unknown = args[segment.index];
      for (const part of segment.path) {
        value =
          value === null || value === undefined
            ? undefined
            : (value as Record<string, unknown>)[part];
      }
      key += value === undefined && segment.optional ? '' : formatPart(value, segment.text, spec);
    }
    return key;
  };
}
