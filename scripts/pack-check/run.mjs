#!/usr/bin/env node
// Packs every public package (pnpm pack), installs the tarballs with npm into
// a fresh app in a temp dir outside the workspace, and runs ESM, CJS and
// TypeScript (module nodenext, moduleResolution bundler) consumers that import
// every public package and do one real operation each. Any failed step fails
// the run with the step's name and output. Run after a build:
//   pnpm turbo run build && node scripts/pack-check/run.mjs [--keep]
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const keep = process.argv.includes('--keep');
const started = Date.now();

/** Peer dependencies a user installs next to our packages, at the versions the workspace uses. */
const PEERS = [
  'keyv',
  'undici',
  'vitest',
  'msgpackr',
  'typescript',
  '@types/node',
  '@types/better-sqlite3',
  '@opentelemetry/api',
];

function fail(step, detail) {
  console.error(`\npack-check FAILED at step "${step}"\n${detail}`);
  process.exit(1);
}

function run(step, command, args, options = {}) {
  const t0 = Date.now();
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...options.env },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error || result.status !== 0) {
    const why = result.error ? String(result.error) : `exit code ${result.status}`;
    fail(
      step,
      `$ ${command} ${args.join(' ')}\n(${why})\n${output.split('\n').slice(-60).join('\n')}`,
    );
  }
  console.log(`✓ ${step} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return output;
}

function publicPackages() {
  const found = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (pkg.private) continue;
    if (!existsSync(join(root, 'packages', dir, 'dist'))) {
      fail('find packages', `packages/${dir} has no dist/: build first (pnpm turbo run build)`);
    }
    found.push({ dir, name: pkg.name });
  }
  return found;
}

function workspaceRange(name) {
  for (const dir of readdirSync(join(root, 'packages'))) {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    for (const field of ['devDependencies', 'peerDependencies', 'dependencies']) {
      const range = pkg[field]?.[name];
      if (range && !range.startsWith('workspace:')) return range;
    }
  }
  fail('resolve peers', `no package in packages/ names a version range for ${name}`);
}

/** What a published manifest must look like: checked on the packed package.json. */
function checkManifest(name, tarball, work) {
  const listing = run(`list ${name} tarball`, 'tar', ['tzf', tarball]);
  const problems = [];
  if (!listing.split('\n').includes('package/LICENSE')) problems.push('no LICENSE in the tarball');
  const extract = join(work, 'manifests', name.replace('/', '+'));
  mkdirSync(extract, { recursive: true });
  run(`extract ${name} manifest`, 'tar', ['xzf', tarball, '-C', extract, 'package/package.json']);
  const pkg = JSON.parse(readFileSync(join(extract, 'package', 'package.json'), 'utf8'));
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'license']) {
    if (!pkg[field]) problems.push(`no "${field}"`);
  }
  if (!pkg.repository?.directory) problems.push('"repository" has no "directory"');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${dep} is "${range}"`);
      if (field === 'dependencies' && dep.startsWith('@types/')) {
        problems.push(`${dep} is a runtime dependency (JS users would install it)`);
      }
    }
  }
  if (problems.length > 0) fail(`check ${name} manifest`, problems.join('\n'));
}

const packages = publicPackages();
for (const consumer of ['esm.mjs', 'cjs.cjs', 'consumer.mts']) {
  const source = readFileSync(join(here, 'consumers', consumer), 'utf8');
  const missing = packages.filter(({ name }) => !source.includes(`'${name}'`));
  if (missing.length > 0) {
    fail(
      'consumers cover every package',
      `consumers/${consumer} does not import ${missing.map((p) => p.name).join(', ')}`,
    );
  }
}
const work = mkdtempSync(join(tmpdir(), 'cachestack-pack-check-'));
if (!relative(root, work).startsWith('..')) fail('temp dir', `${work} is inside the workspace`);
console.log(`pack-check: ${packages.length} packages, app in ${work}`);

try {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const files = {};
  for (const { dir, name } of packages) {
    const before = new Set(readdirSync(tarballs));
    run(`pack ${name}`, 'pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(root, 'packages', dir),
    });
    const made = readdirSync(tarballs).filter((file) => !before.has(file));
    if (made.length !== 1)
      fail(`pack ${name}`, `expected one new tarball, found ${made.join(', ')}`);
    files[name] = join(tarballs, made[0]);
    checkManifest(name, files[name], work);
  }

  const app = join(work, 'app');
  mkdirSync(app);
  const dependencies = {};
  const overrides = {};
  for (const [name, file] of Object.entries(files)) {
    dependencies[name] = `file:${file}`;
    overrides[name] = `$${name}`;
  }
  for (const peer of PEERS) dependencies[peer] = workspaceRange(peer);
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'pack-check-app', private: true, dependencies, overrides }, null, 2)}\n`,
  );
  cpSync(join(here, 'consumers'), app, { recursive: true });

  run(
    'npm install the tarballs',
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error'],
    {
      cwd: app,
      timeoutMs: 300_000,
      // better-sqlite3 compiles from source (no prebuilt download) against the
      // headers of the Node that runs this check.
      env: {
        // The headers of the running Node: <prefix>/include/node, prefix = <prefix>/bin/node.
        npm_config_nodedir: dirname(dirname(process.execPath)),
        npm_config_build_from_source: 'true',
        // node-gyp: compile on every core.
        JOBS: 'max',
      },
    },
  );

  const node = process.execPath;
  console.log(`  ${run('ESM consumer (import)', node, ['esm.mjs'], { cwd: app })}`);
  console.log(`  ${run('CJS consumer (require)', node, ['cjs.cjs'], { cwd: app })}`);
  const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  run('TypeScript consumer, module nodenext', node, [tsc, '-p', 'tsconfig.nodenext.json'], {
    cwd: app,
  });
  console.log(
    `  ${run('run the nodenext build', node, ['out/nodenext/consumer.mjs'], { cwd: app })}`,
  );
  run('TypeScript consumer, moduleResolution bundler', node, [tsc, '-p', 'tsconfig.bundler.json'], {
    cwd: app,
  });
  console.log(
    `  ${run('run the bundler build', node, ['out/bundler/consumer.mjs'], { cwd: app })}`,
  );
  console.log(`pack-check passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
