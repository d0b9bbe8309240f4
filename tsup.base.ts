import type { Options } from 'tsup';

/**
 * Shared build settings for every published package: ESM and CJS output with
 * matching type declarations (`.d.ts` for `import`, `.d.cts` for `require`).
 */
export const baseTsupOptions: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  treeshake: true,
  // Keep class and function names: without it esbuild renames classes that
  // refer to themselves (`class _BackendError`), and errors print that way.
  keepNames: true,
};
