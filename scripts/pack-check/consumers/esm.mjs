// ESM consumer: imports every public package as a user's `import` does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cache from '@cachestack/cache';
import * as conformance from '@cachestack/conformance';
import * as core from '@cachestack/core';
import * as file from '@cachestack/file';
import * as http from '@cachestack/http';
import * as keyvAdapter from '@cachestack/keyv';
import * as memory from '@cachestack/memory';
import * as otel from '@cachestack/otel';
import * as redis from '@cachestack/redis';
import * as sqlite from '@cachestack/sqlite';
import * as tiered from '@cachestack/tiered';
import * as undici from '@cachestack/undici';
import * as wrappers from '@cachestack/wrappers';
import Keyv from 'keyv';
import { exercise } from './exercise.mjs';

const dir = mkdtempSync(join(tmpdir(), 'pack-check-esm-'));
try {
  const modules = {
    cache,
    conformance,
    core,
    file,
    http,
    keyv: keyvAdapter,
    memory,
    otel,
    redis,
    sqlite,
    tiered,
    undici,
    wrappers,
  };
  console.log(await exercise(modules, Keyv, dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
