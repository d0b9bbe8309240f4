import { describe, expect, it } from 'vitest';
import { firstReadFindings, renderScaling } from '../src/report-scaling.mjs';

const pass = (cpuUs: number, gcUsPerCall: number) => ({
  us: cpuUs * 2,
  cpuUs,
  n: 1000,
  gcMs: gcUsPerCall,
  gcMinorMs: gcUsPerCall,
  gcCount: 1,
});

function rows(promotedGc: number) {
  const row = (id: string, kind: string, first: number, firstGc: number) => ({
    id,
    kind,
    label: id,
    family: 'memory',
    count: 1_000_000,
    fillUs: 1,
    fillCpuUs: 1,
    first: pass(first, firstGc),
    second: pass(3, 0.2),
    set: pass(3, 0.2),
    afterSet: pass(first, firstGc),
    bytesPerEntryAfterWrite: 180,
    bytesPerEntryAfterRead: kind === 'ours' ? 220 : 180,
  });
  return [
    row('memory', 'ours', 6.5, promotedGc),
    row('exp-promote-own', 'experiment', 6.4, promotedGc),
    row('exp-promote-pool', 'experiment', 4.8, promotedGc),
    row('exp-string-only', 'experiment', 4.2, 0.25),
    row('exp-own-buffers', 'experiment', 4.6, 0.1),
  ];
}

describe('scaling report', () => {
  it('attributes first-read costs to GC work from a promotion only when the figures show it', () => {
    const shown = firstReadFindings(rows(2.5));
    expect(shown).toContain(
      "At 1,000,000 keys MemoryBackend's first get after a write took 6.50 µs then 3.00 µs of CPU per call (2.50 and 0.20 µs of GC pauses): the first read cost 2.17× a later one;",
    );
    expect(shown).toContain('The promotion showed up as garbage-collection work');
    const notShown = firstReadFindings(rows(0.3));
    expect(notShown).toContain('does not explain first-read costs here');
    expect(notShown).not.toContain('The promotion showed up');
  });

  it('compares the steady-state hit with the former promote-on-first-read mechanism', () => {
    const text = firstReadFindings(rows(2.5));
    expect(text).toContain(
      'Steady-state hit (second get): MemoryBackend 3.00 µs against 3.00 µs for the former promote-on-first-read mechanism;',
    );
    expect(text).not.toContain('which promotes the new value again');
    const equal = rows(0.3).map((r) => (r.id === 'memory' ? { ...r, first: pass(3.3, 0.1) } : r));
    expect(firstReadFindings(equal)).toContain('about the same (it no longer promotes the value)');
  });

  it('renders the cost table with CPU / wall figures per key count', () => {
    const text = renderScaling(rows(2.5));
    expect(text).toContain('## Scaling (100-byte values)');
    expect(text).toContain(
      '| memory | ours | 1,000,000 | 1.00 / 1.00 | 6.50 / 13.0 | 3.00 / 6.00 |',
    );
    expect(renderScaling([])).toBe('');
  });
});
