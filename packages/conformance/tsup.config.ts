import { defineConfig } from 'tsup';
import { baseTsupOptions } from '../../tsup.base.js';

// ESM only: the kit runs inside vitest, which is ESM only.
export default defineConfig({ ...baseTsupOptions, format: ['esm'], external: ['vitest'] });
