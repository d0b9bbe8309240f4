import { mkdtempSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from '@cachestack/conformance';
import { afterAll } from 'vitest';
import { FileBackend } from '../src/index.js';
import { ThreadPoolStall } from './thread-pool-stall.js';

const base = mkdtempSync(join(tmpdir(), 'cachestack-file-conformance-'));
const directory = join(base, 'cache');
const away = join(base, 'cache.away');
const MAX_VALUE_BYTES = 8 * 1024 * 1024;
const stall = new ThreadPoolStall();

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describeBackendConformance('FileBackend', {
  create: ({ namespace }) =>
    new FileBackend({ directory, namespace, maxValueBytes: MAX_VALUE_BYTES }),
  capabilities: ['ttl', 'lock', 'timeout', 'batch', 'clear', 'keys'],
  sharedStore: true,
  maxValueBytes: MAX_VALUE_BYTES,
  tracingChannel: 'cachestack:backend',
  faults: {
    // Tests run as root, where chmod does not deny access: replace the cache
    // directory with a regular file instead (every path under it fails with ENOTDIR).
    makeUnavailable: async () => {
      await mkdir(directory, { recursive: true });
      await rename(directory, away);
      await writeFile(directory, 'the cache directory was replaced by this file');
    },
    makeAvailable: async () => {
      await rm(directory, { force: true });
      await rename(away, directory);
    },
    unavailableErrorType: 'PERMANENT',
    // Real slowness: every libuv thread-pool thread (where fs calls run) is kept busy.
    slowDown: (delayMs) => stall.start(delayMs),
    restoreSpeed: () => stall.stop(),
  },
});
