/**
 * Orders the writes and deletes of one store instance per path: each runs
 * after those queued before it for the same path, and a read of that path
 * waits for them. So, within a process, `delete` then `get` never sees the
 * deleted response, and a finished write is seen by the next `get` (undici
 * calls `delete`, `get` and `createWriteStream` back to back and does not
 * await them). Jobs must not reject: they report their own failures.
 */
export class PathQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** Whether a write or delete is queued or running for `path`. */
  busy(path: string): boolean {
    return this.#tails.has(path);
  }

  /** Resolves once every job queued so far for `path` has finished. */
  settled(path: string): Promise<void> | undefined {
    return this.#tails.get(path);
  }

  /** Runs `job` after the jobs already queued for `path`; resolves when it has run. */
  enqueue(path: string, job: () => Promise<void>): Promise<void> {
    const previous = this.#tails.get(path);
    const run = previous === undefined ? job() : previous.then(job);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(path, tail);
    void tail.then(() => {
      if (this.#tails.get(path) === tail) this.#tails.delete(path);
    });
    return tail;
  }

  /** Resolves once every job queued so far, for every path, has finished. */
  async drain(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }
}
