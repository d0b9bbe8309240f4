/**
 * Counts operations in flight, so `close()` can let the ones admitted
 * before it finish before the connection goes away.
 */
export class InFlightOperations {
  #active = 0;
  #idle: (() => void) | undefined;

  /** Operations started and not yet settled. */
  get size(): number {
    return this.#active;
  }

  /** Marks one operation as started. */
  enter(): void {
    this.#active++;
  }

  /** Marks one operation as settled. */
  leave(): void {
    this.#active--;
    if (this.#active === 0) this.#idle?.();
  }

  /**
   * Resolves once no operation is in flight, or after `maxWaitMs` ms at the
   * latest (an abandoned `keys()` iterator never settles). The timer is unref'd.
   */
  drained(maxWaitMs: number): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      timer.unref();
      const previous = this.#idle;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#idle = () => {
        previous?.();
        done();
      };
    });
  }
}
