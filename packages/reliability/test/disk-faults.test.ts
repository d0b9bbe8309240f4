import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fullDiskScenario, readOnlyScenario } from '../src/disk-faults.js';
import { requireMountPrivileges } from '../src/mounts.js';
import { once } from '../src/once.js';

// Real disk faults: a 1 MiB tmpfs filled up (ENOSPC) and a read-only bind
// mount (EROFS). They need root for mount(8): without it every test here
// fails with "run as root: needs mount for tmpfs/bind mounts", never skips.
let base: string | undefined;
const baseDir = once(async () => {
  requireMountPrivileges();
  base = await mkdtemp(join(tmpdir(), 'cachestack-disk-'));
  return base;
});
afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

const CLASSIFIED_WHEN_FULL = ['ok', 'PERMANENT NO_SPACE'];
const fullReports = {
  file: once(async () =>
    logged(await fullDiskScenario('file', join(await baseDir(), 'full-file'))),
  ),
  sqlite: once(async () =>
    logged(await fullDiskScenario('sqlite', join(await baseDir(), 'full-sqlite'))),
  ),
};
const readOnlyReports = {
  file: once(async () => logged(await readOnlyScenario('file', join(await baseDir(), 'ro-file')))),
  sqlite: once(async () =>
    logged(await readOnlyScenario('sqlite', join(await baseDir(), 'ro-sqlite'))),
  ),
};
function logged<T>(report: T): T {
  console.log(JSON.stringify(report));
  return report;
}

describe.each(['file', 'sqlite'] as const)('a full disk (small tmpfs): %s', (adapter) => {
  const scenario = fullReports[adapter];

  it('fails writes with PERMANENT NO_SPACE, down to a 1-byte set', async () => {
    const report = await scenario();
    expect(report.firstFailure).toBe('PERMANENT NO_SPACE');
    expect(report.smallSetWhenFull).toBe('PERMANENT NO_SPACE');
  });

  it('keeps every entry written before intact', async () => {
    const report = await scenario();
    expect(report.othersIntact).toBe(true);
  });

  it('reports unhealthy while a 1-byte set fails', async () => {
    const report = await scenario();
    expect(report.healthWhenFull).toMatchObject({ healthy: false });
    expect(report.healthWhenFull.error).toContain('NO_SPACE');
  });

  it('classifies delete and deleteMany on the full disk, and every other failure', async () => {
    const report = await scenario();
    expect(report.unclassified).toEqual([]);
    expect(CLASSIFIED_WHEN_FULL).toContain(report.deleteWhenFull);
    expect(CLASSIFIED_WHEN_FULL).toContain(report.deleteManyWhenFull);
    expect(CLASSIFIED_WHEN_FULL).toContain(report.setAfterDelete);
  });

  it('after the deletes, healthCheck agrees with whether a 1-byte set works', async () => {
    const report = await scenario();
    expect(report.healthAfterDelete.healthy).toBe(report.setAfterDelete === 'ok');
  });
});

describe('a full disk: file frees space through the backend', () => {
  it('deletes succeed on the full disk, and then a set and healthCheck do too', async () => {
    expect(await fullReports.file()).toMatchObject({
      deleteWhenFull: 'ok',
      deleteManyWhenFull: 'ok',
      setAfterDelete: 'ok',
      healthAfterDelete: { healthy: true },
    });
  });
});

describe.each(['file', 'sqlite'] as const)('a read-only bind mount: %s', (adapter) => {
  const scenario = readOnlyReports[adapter];

  it('opens, and reads the entries written before', async () => {
    const report = await scenario();
    expect(report.open).toBe('ok');
    expect(report.readsIntact).toBe(true);
  });

  it('fails set and delete with PERMANENT ACCESS_DENIED', async () => {
    const report = await scenario();
    expect(report.set).toBe('PERMANENT ACCESS_DENIED');
    expect(report.delete).toBe('PERMANENT ACCESS_DENIED');
  });

  it('reports unhealthy (a write is what it cannot do)', async () => {
    const report = await scenario();
    expect(report.health).toMatchObject({ healthy: false });
    expect(report.health.error).toContain('ACCESS_DENIED');
  });

  it('classifies every failure', async () => {
    const report = await scenario();
    expect(report.unclassified).toEqual([]);
  });
});
