import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareFilePath } from '../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachestack-path-'));
  dirs.push(dir);
  return dir;
}

describe('prepareFilePath', () => {
  it('creates missing parents with the mode asked', () => {
    const dir = tempDir();
    prepareFilePath(join(dir, 'a', 'b', 'file.db'), { mode: 0o700 });
    expect(statSync(join(dir, 'a', 'b')).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
  });

  it('says a directory given as the file is a directory', () => {
    const dir = tempDir();
    expect(() => prepareFilePath(dir, { what: 'the snapshot path' })).toThrow(
      /EISDIR: the snapshot path is a directory/,
    );
  });

  it('fails at once with ENOTDIR when a parent is a file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => prepareFilePath(join(dir, 'plain', 'sub', 'f'))).toThrow(
      expect.objectContaining({ code: 'ENOTDIR' }),
    );
  });

  it('fails promptly where a parent exists but a child cannot be made (procfs)', {
    timeout: 5000,
  }, () => {
    expect(() => prepareFilePath('/proc/cachestack-nope/x/snapshot.bin')).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^E/) }),
    );
  });
});
