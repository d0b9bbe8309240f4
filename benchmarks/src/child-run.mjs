// Runs a measurement child process (`node --expose-gc script …args`) and
// returns its stdout. Other work in the monorepo may rebuild a package's
// dist/ while a long run is under way: a child that cannot find a module is
// retried a few times before the run fails.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Attempts per child when a module is missing (a dist/ being rebuilt). */
export const CHILD_ATTEMPTS = 4;

/**
 * `node --expose-gc script ...args`, its stdout.
 * @param {string} script absolute path
 * @param {string[]} args
 * @param {number} timeoutMs per attempt
 */
export async function runGcChild(script, args, timeoutMs = 600_000) {
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(process.execPath, ['--expose-gc', script, ...args], {
        maxBuffer: 1 << 20,
        timeout: timeoutMs,
      });
      return stdout;
    } catch (error) {
      const missing = String(error.stderr ?? '').includes('ERR_MODULE_NOT_FOUND');
      if (!missing || attempt >= CHILD_ATTEMPTS) throw error;
      await sleep(5_000 * attempt);
    }
  }
}
