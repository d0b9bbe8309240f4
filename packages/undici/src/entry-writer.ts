import { Writable } from 'node:stream';

/**
 * The `Writable` that `createWriteStream` returns: it collects the body up
 * to `maxBytes`, and on `end()` hands the whole body to `commit` (which
 * stores it). A body over the limit destroys the stream (nothing stored,
 * as undici's `MemoryCacheStore`); a destroyed or errored stream (the
 * response was aborted) commits nothing. `finish` is emitted once `commit`
 * has run, so a caller that awaits it sees the entry stored (or dropped).
 */
export class EntryWriter extends Writable {
  readonly #maxBytes: number;
  readonly #commit: (body: Promise<Buffer | undefined>) => Promise<void>;
  readonly #body: Promise<Buffer | undefined>;
  #settle!: (body: Buffer | undefined) => void;
  #chunks: Buffer[] = [];
  #size = 0;
  #committed: Promise<void> | undefined;

  /**
   * @param maxBytes - largest body stored, in bytes.
   * @param commit - called once, synchronously in `end()`, with the body to come
   * (`undefined` when the stream is destroyed first); resolves when stored.
   */
  constructor(maxBytes: number, commit: (body: Promise<Buffer | undefined>) => Promise<void>) {
    super({ decodeStrings: true });
    this.#maxBytes = maxBytes;
    this.#commit = commit;
    this.#body = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.once('close', () => this.#settle(undefined));
  }

  /**
   * Ends the body. The commit is queued here, synchronously, so that a `get`
   * of the same path made right after `end()` waits for it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: forwards Writable#end's overloads unchanged.
  override end(...args: any[]): this {
    if (this.#committed === undefined && !this.destroyed) {
      this.#committed = this.#commit(this.#body);
    }
    return super.end(...args);
  }

  /** Collects a chunk, or destroys the stream once the body is over the limit. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.#size += chunk.byteLength;
    if (this.#size > this.#maxBytes) {
      this.#chunks = [];
      this.destroy();
    } else {
      this.#chunks.push(chunk);
    }
    callback();
  }

  /** Hands the whole body to the commit queued in `end()`; `finish` follows its completion. */
  override _final(callback: () => void): void {
    this.#settle(Buffer.concat(this.#chunks, this.#size));
    this.#chunks = [];
    if (this.#committed === undefined) callback();
    else void this.#committed.then(() => callback());
  }
}
