/** Length in bytes of the value of (writer, sequence). */
export function checkedValueLength(writer: number, sequence: number): number;
/** The self-checking value written for (writer, sequence). */
export function checkedValue(writer: number, sequence: number): Buffer;
/** `{ writer, sequence }` when `bytes` is exactly a value from {@link checkedValue}, else `undefined`. */
export function parseCheckedValue(
  bytes: Uint8Array | undefined,
): { writer: number; sequence: number } | undefined;
/** The key of writer `writer`'s `sequence`-th own entry (never overwritten). */
export function ownKey(writer: number, sequence: number): string;
/** The shared keys every writer overwrites. */
export const HOT_KEYS: readonly string[];
