import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** What a finished `node` child process left behind, from {@link runNode}. */
export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Who a child process runs as (POSIX ids; changing them needs root). */
export interface RunAs {
  uid?: number;
  gid?: number;
}

/** How {@link runNode} runs its child, besides who as. */
export interface NodeRunOptions extends RunAs {
  /** Working directory. @default the current one */
  cwd?: string;
  /** Kill the child (SIGKILL) after this many ms; a hang becomes a failed run. @default no limit */
  timeoutMs?: number;
}

/** Spawns `node script ...args` with piped output that it collects into `output`. */
function spawnCollecting(
  script: string,
  args: readonly string[],
  options: NodeRunOptions,
): {
  child: ChildProcessByStdio<null, Readable, Readable>;
  output: { stdout: string; stderr: string };
} {
  const { timeoutMs, ...spawnOptions } = options;
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOptions,
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs, killSignal: 'SIGKILL' as const }),
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  return { child, output };
}

/** Runs `node script ...args` and resolves with its exit and collected output once it closes. */
export function runNode(
  script: string,
  args: readonly string[],
  options: NodeRunOptions = {},
): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const { child, output } = spawnCollecting(script, args, options);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ...output }));
  });
}

/**
 * Spawns `node script ...args` and resolves with the running child once a
 * stdout line equals `line`; rejects when it exits before (with its output).
 */
export function spawnUntilLine(
  script: string,
  args: readonly string[],
  line: string,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const { child, output } = spawnCollecting(script, args, {});
    child.stdout.on('data', () => {
      if (output.stdout.split('\n').includes(line)) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      reject(
        new Error(
          `child exited (${code} ${signal}) before "${line}": ${output.stdout} ${output.stderr}`,
        ),
      ),
    );
  });
}

/** Kills `child` with SIGKILL and waits for it to be gone. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
