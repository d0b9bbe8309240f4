// CJS consumer: loads every public package through `require`.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

async function main() {
  const modules = {
    cache: require('@cachestack/cache'),
    conformance: require('@cachestack/conformance'),
    core: require('@cachestack/core'),
    file: require('@cachestack/file'),
    http: require('@cachestack/http'),
    keyv: require('@cachestack/keyv'),
    memory: require('@cachestack/memory'),
    otel: require('@cachestack/otel'),
    redis: require('@cachestack/redis'),
    sqlite: require('@cachestack/sqlite'),
    tiered: require('@cachestack/tiered'),
    undici: require('@cachestack/undici'),
    wrappers: require('@cachestack/wrappers'),
  };
  const { default: Keyv } = require('keyv');
  const { exercise } = await import('./exercise.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'pack-check-cjs-'));
  try {
    console.log(await exercise(modules, Keyv, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
