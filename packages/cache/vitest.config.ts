import ts from 'typescript';
import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

/**
 * Vite 8 transforms TypeScript with Oxc, which does not lower TC39 standard
 * decorators (and Node 20 cannot run them). Test files that use decorators
 * are compiled by the TypeScript compiler first, exactly as a user's `tsc`
 * build with `experimentalDecorators: false` would.
 */
const standardDecorators = {
  name: 'cachestack-standard-decorators',
  enforce: 'pre' as const,
  transform(code: string, id: string) {
    if (!id.endsWith('.test.ts') || !/(^|[\s{;])@[A-Za-z_$]/m.test(code)) return undefined;
    const output = ts.transpileModule(code, {
      fileName: id,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        experimentalDecorators: false,
        sourceMap: true,
        inlineSources: true,
      },
    });
    return { code: output.outputText, map: output.sourceMapText };
  },
};

export default mergeConfig(sharedVitestConfig, defineConfig({ plugins: [standardDecorators] }));
