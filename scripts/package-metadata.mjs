#!/usr/bin/env node
// Sets the publishing metadata of every public package (repository, homepage,
// bugs, keywords, workspace:^ internal dependencies, a LICENSE in the folder).
// Each package.json is read, edited and written in one go, so dependencies
// other people add meanwhile are kept. Run it again after editing packages:
//   node scripts/package-metadata.mjs          (write)
//   node scripts/package-metadata.mjs --check  (exit 1 when something is off)
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = 'https://github.com/cachestack/cachestack';
const RUNTIME_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const check = process.argv.includes('--check');
const problems = [];

/** Keywords every package gets besides its own. */
const BASE_KEYWORDS = ['cachestack', 'cache'];

/** Where `@types/*` of a runtime dependency belong: an optional peer (TS users install it). */
function moveTypesToOptionalPeer(pkg) {
  const deps = pkg.dependencies ?? {};
  for (const name of Object.keys(deps)) {
    if (!name.startsWith('@types/')) continue;
    const range = deps[name];
    delete deps[name];
    pkg.devDependencies = { ...pkg.devDependencies, [name]: range };
    pkg.peerDependencies = { ...pkg.peerDependencies, [name]: range };
    pkg.peerDependenciesMeta = { ...pkg.peerDependenciesMeta, [name]: { optional: true } };
  }
}

for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const file = join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const before = readFileSync(file, 'utf8');
  const pkg = JSON.parse(before);
  if (pkg.private) continue;
  pkg.repository = { type: 'git', url: `git+${REPO}.git`, directory: `packages/${dir}` };
  pkg.homepage = `${REPO}/tree/main/packages/${dir}#readme`;
  pkg.bugs = { url: `${REPO}/issues` };
  pkg.keywords = [...new Set([...BASE_KEYWORDS, ...(pkg.keywords ?? [])])];
  for (const field of RUNTIME_FIELDS) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (name.startsWith('@cachestack/') && range.startsWith('workspace:')) {
        pkg[field][name] = 'workspace:^';
      }
    }
  }
  moveTypesToOptionalPeer(pkg);
  const after = `${JSON.stringify(pkg, null, 2)}\n`;
  const license = join(root, 'packages', dir, 'LICENSE');
  const licenseText = readFileSync(join(root, 'LICENSE'), 'utf8');
  const licenseOk = existsSync(license) && readFileSync(license, 'utf8') === licenseText;
  if (check) {
    if (after !== before) problems.push(`packages/${dir}/package.json: metadata out of date`);
    if (!licenseOk)
      problems.push(`packages/${dir}/LICENSE: missing or differs from the root LICENSE`);
  } else {
    if (after !== before) writeFileSync(file, after);
    if (!licenseOk) copyFileSync(join(root, 'LICENSE'), license);
    console.log(`packages/${dir}: ${after !== before ? 'updated' : 'unchanged'}`);
  }
}

if (problems.length > 0) {
  console.error(`${problems.join('\n')}\nrun: node scripts/package-metadata.mjs`);
  process.exit(1);
}
