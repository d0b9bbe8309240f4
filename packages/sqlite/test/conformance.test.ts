import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { conformanceGroups, describeBackendConformance } from '@cachestack/conformance';
import type { CapabilityName } from '@cachestack/core';
import { afterAll } from 'vitest';
import { SqliteBackend } from '../src/index.js';
import { fixture, makeTempDir } from './helpers.js';

const dir = makeTempDir();
const capabilities: CapabilityName[] = ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'];
const maxValueBytes = 8 * 1024 * 1024;
/** Groups that need a store another process can take away: run in rollback-journal mode below. */
const faultGroups = ['faults', 'timeouts'];

/** A child process that holds an EXCLUSIVE lock on `path` on command (test/fixtures/lock-holder.mjs). */
class LockHolder {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replies: string[] = [];
  readonly #waiting: ((line: string) => void)[] = [];

  constructor(path: string) {
    this.#child = spawn(process.execPath, [fixture('lock-holder.mjs'), path]);
    this.#child.stderr.pipe(process.stderr);
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const next = this.#waiting.shift();
      if (next === undefined) this.#replies.push(line);
      else next(line);
    });
  }

  async send(command: string, expected: string): Promise<void> {
    this.#child.stdin.write(`${command}\n`);
    const reply =
      this.#replies.shift() ??
      (await new Promise<string>((resolve) => this.#waiting.push(resolve)));
    if (reply !== expected) throw new Error(`lock holder answered ${reply} to ${command}`);
  }

  stop(): void {
    this.#child.stdin.end();
  }
}

const journalPath = dir.file('journal.db');
const holder = new LockHolder(journalPath);

afterAll(() => {
  holder.stop();
  dir.remove();
});

// Default options (WAL): every group except the two that need a fault hook.
describeBackendConformance('SqliteBackend (WAL, defaults)', {
  create: ({ namespace }) =>
    new SqliteBackend({ path: dir.file('wal.db'), namespace, maxValueBytes }),
  capabilities,
  sharedStore: true,
  maxValueBytes,
  tracingChannel: 'cachestack:backend',
  groups: conformanceGroups
    .map((group) => group.name)
    .filter((name) => !faultGroups.includes(name)),
});

// Rollback-journal mode, where an EXCLUSIVE lock held by another process
// blocks readers too: makeUnavailable holds it (operations fail TRANSIENT
// after the busy timeout), slowDown holds it for the delay (operations wait).
// The busy timeout (2 s) is well above the kit's unlimited slow waits (500 ms)
// and well below its bound for failing while unavailable (5 s).
describeBackendConformance('SqliteBackend (rollback journal, another process holding the lock)', {
  create: ({ namespace }) =>
    new SqliteBackend({
      path: journalPath,
      namespace,
      wal: false,
      busyTimeoutMs: 2000,
      maxValueBytes,
    }),
  capabilities,
  sharedStore: true,
  maxValueBytes,
  groups: faultGroups,
  faults: {
    makeUnavailable: () => holder.send('hold', 'held'),
    makeAvailable: () => holder.send('release', 'released'),
    unavailableErrorType: 'TRANSIENT',
    slowDown: (delayMs) => holder.send(`hold ${delayMs}`, 'held'),
    restoreSpeed: () => holder.send('release', 'released'),
  },
});
