/** Result of {@link readLimitedBody}. */
export type LimitedBody =
  | { complete: true; bytes: Uint8Array }
  | { complete: false; body: ReadableStream<Uint8Array> };

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Reads `body` while it stays within `limitBytes`. A body that fits comes back
 * as bytes; a larger one comes back as a stream that replays what was read
 * and then the unread rest, so at most about `limitBytes` (plus one chunk) is
 * ever held in memory.
 */
export async function readLimitedBody(
  body: ReadableStream<Uint8Array> | null,
  limitBytes: number,
): Promise<LimitedBody> {
  if (body === null) return { complete: true, bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { complete: true, bytes: concat(chunks, total) };
    chunks.push(value);
    total += value.byteLength;
    if (total > limitBytes) break;
  }
  const replay = chunks;
  const rest = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = replay.shift();
      if (next !== undefined) {
        controller.enqueue(next);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { complete: false, body: rest };
}
