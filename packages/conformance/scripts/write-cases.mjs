// Writes CASES.md from the built kit: `pnpm --filter @cachestack/conformance cases`.
import { writeFile } from 'node:fs/promises';
import { conformanceGroups } from '../dist/index.js';
import { renderCases } from './cases-markdown.mjs';

const target = new URL('../CASES.md', import.meta.url);
await writeFile(target, renderCases(conformanceGroups));
console.log(`wrote ${target.pathname}`);
