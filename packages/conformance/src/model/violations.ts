import { isBackendError } from '@cachestack/core';
import type { Operation } from './operations.js';

/** Why a call broke the contract. */
export type ViolationKind =
  /** A rejection that is not a `BackendError`, or a synchronous throw from a promise method. */
  | 'unclassified'
  /** A `BackendError` of type or code `UNKNOWN`. */
  | 'unknown'
  /** An invalid input that resolved. */
  | 'accepted-invalid'
  /** An invalid input rejected with another code, or not PERMANENT. */
  | 'wrong-code'
  /** A rejected call that changed the store. */
  | 'changed-on-reject'
  /** A valid call that rejected (no fault is injected while fuzzing). */
  | 'unexpected-rejection'
  /** A valid call whose result disagrees with the reference model. */
  | 'model-mismatch'
  /** `healthCheck()` threw or reported unhealthy on a working store. */
  | 'health'
  /** A call that did not settle within the call limit. */
  | 'hang';

/** One broken rule, at operation `index` of a sequence. */
export interface Violation {
  kind: ViolationKind;
  index: number;
  operation: Operation;
  message: string;
}

/** A short form of a call's result for messages, e.g. `bytes(7)`. */
export function describeResult(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes(${value.byteLength})`;
  if (Array.isArray(value)) return `[${value.map(describeResult).join(', ')}]`;
  return String(value);
}

/** A rejection reason for messages: `BackendError <type> <code>: …`, or the raw error's name, code and message. */
export function describeReason(reason: unknown): string {
  if (isBackendError(reason))
    return `BackendError ${reason.type} ${reason.code}: ${reason.message}`;
  if (reason instanceof Error) {
    const code = (reason as { code?: unknown }).code;
    return `${reason.name}${code === undefined ? '' : ` ${String(code)}`}: ${reason.message}`;
  }
  return `non-error ${String(reason)}`;
}

/** A check failure inside one operation, thrown by the checks and caught by the runner. */
export class Mismatch extends Error {
  readonly kind: ViolationKind;
  constructor(kind: ViolationKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** A violation for a rejection reason that is not a classified `BackendError`, else `undefined`. */
export function classify(reason: unknown, operation: string): Mismatch | undefined {
  if (!isBackendError(reason))
    return new Mismatch('unclassified', `${operation} rejected with ${describeReason(reason)}`);
  if (reason.type === 'UNKNOWN' || reason.code === 'UNKNOWN')
    return new Mismatch('unknown', `${operation} rejected with ${describeReason(reason)}`);
  return undefined;
}
