import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A Node-style system error (`code`, `path`) for a path a file cannot live at. */
function pathError(code: string, message: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${message}, '${path}'`), { code, path });
}

/** `stat` of `path`, or `undefined` when nothing is there (`ENOENT`); other failures throw. */
function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Options of {@link prepareFilePath}. */
export interface PrepareFilePathOptions {
  /** Mode of the directories it creates. @default 0o777 (less the umask) */
  mode?: number;
  /** What the file is, for the `EISDIR` message. @default 'the file path' */
  what?: string;
}

/**
 * Makes `path` ready to hold a file: checks it is not a directory and
 * creates its missing parent directories one level at a time. Unlike Node's
 * recursive `mkdir` (which retries forever where a parent exists but a child
 * cannot be created, as on procfs), every failure throws at once: a system
 * error (`EISDIR`, `ENOTDIR`, `ENOENT`, `EACCES`...) naming the path, for the
 * caller to classify. Synchronous: call it at open time, not per operation.
 */
export function prepareFilePath(path: string, options: PrepareFilePathOptions = {}): void {
  const file = resolve(path);
  if (statOrUndefined(file)?.isDirectory()) {
    throw pathError('EISDIR', `${options.what ?? 'the file path'} is a directory`, path);
  }
  const missing: string[] = [];
  let directory = dirname(file);
  for (;;) {
    const found = statOrUndefined(directory);
    if (found !== undefined) {
      if (!found.isDirectory()) throw pathError('ENOTDIR', 'not a directory', directory);
      break;
    }
    missing.push(directory);
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  for (const created of missing.reverse()) {
    try {
      mkdirSync(created, options.mode);
    } catch (error) {
      // Another process may have created it meanwhile.
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
  }
}
