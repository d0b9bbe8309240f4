import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { layerSections, renderCases } from '../scripts/cases-markdown.mjs';
import * as kit from '../src/index.js';

describe('CASES.md', () => {
  it('is generated from the case definitions and up to date (pnpm --filter @cachestack/conformance cases)', async () => {
    const written = await readFile(new URL('../CASES.md', import.meta.url), 'utf8');
    expect(
      written === renderCases(kit.conformanceGroups, layerSections(kit)),
      'CASES.md is stale: run `pnpm --filter @cachestack/conformance cases`',
    ).toBe(true);
  });
});
