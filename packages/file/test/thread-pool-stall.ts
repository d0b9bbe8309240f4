import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, open, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Slows every file-system call of this process for real, the way an
 * overloaded disk would: it keeps every libuv thread-pool thread busy in a
 * blocking `open()` of a FIFO for `delayMs`, releases them (queued calls run),
 * and blocks them again, until {@link ThreadPoolStall.stop}. Each fs call made
 * meanwhile waits up to `delayMs`, so an operation of several calls takes
 * well over `delayMs`. Used as the conformance kit's `slowDown` fault.
 */
export class ThreadPoolStall {
  readonly #threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  #dir: string | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #releaseNow: (() => void) | undefined;
  #cycle = 0;

  /** Starts stalling in cycles of `delayMs`. */
  async start(delayMs: number): Promise<void> {
    await this.stop();
    this.#dir = mkdtempSync(join(tmpdir(), 'cachestack-stall-'));
    this.#running = true;
    this.#loop = this.#run(delayMs);
    // Let the blockers take the threads before the caller's next fs call.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Releases the threads and stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#releaseNow?.();
    await this.#loop;
    this.#loop = undefined;
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  async #run(delayMs: number): Promise<void> {
    while (this.#running) {
      const fifo = join(this.#dir as string, `fifo-${this.#cycle++}`);
      try {
        execFileSync('mkfifo', ['-m', '600', fifo]);
      } catch (error) {
        throw new Error(
          `slowDown needs mkfifo(1) (coreutils: apt-get install coreutils): ${error}`,
        );
      }
      const opened = Array.from(
        { length: this.#threads },
        () =>
          new Promise<void>((resolve) => {
            open(fifo, constants.O_RDONLY, (error, fd) => {
              if (!error) closeSync(fd);
              resolve();
            });
          }),
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.#releaseNow = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#releaseNow = undefined;
      // Opening the write end (on this thread) lets every blocked reader through.
      let writer: number | undefined;
      while (writer === undefined) {
        try {
          writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch {
          // ENXIO: no reader has reached open() yet; try again shortly.
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      await Promise.all(opened);
      closeSync(writer);
    }
  }
}
