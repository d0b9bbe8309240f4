// Writes CASES.md from the built kit: `pnpm --filter @cachestack/conformance cases`.
import { writeFile } from 'node:fs/promises';
import * as kit from '../dist/index.js';
import { layerSections, renderCases } from './cases-markdown.mjs';

const target = new URL('../CASES.md', import.meta.url);
await writeFile(target, renderCases(kit.conformanceGroups, layerSections(kit)));
console.log(`wrote ${target.pathname}`);
