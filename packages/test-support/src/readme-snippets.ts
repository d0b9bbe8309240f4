import { readFileSync } from 'node:fs';

/** One fenced JavaScript/TypeScript block of a Markdown file. */
export interface ReadmeSnippet {
  /** The Markdown file it came from (as given). */
  file: string;
  /** 1-based position among the file's js/ts blocks. */
  index: number;
  /** 1-based line of the opening fence. */
  line: number;
  /** `js` (also `javascript`, `mjs`) or `ts` (also `typescript`). */
  lang: 'js' | 'ts';
  /** The code between the fences. */
  code: string;
  /**
   * Why the block is not run, from a `<!-- snippet: not run (reason) -->`
   * comment on the line just above the fence (a fragment that needs the
   * reader's own `db`, a framework the repository does not install...).
   */
  notRun?: string;
}

const FENCE = /^```(js|javascript|mjs|ts|typescript)\s*$/;
const NOT_RUN = /^<!--\s*snippet:\s*not run\s*\((.+)\)\s*-->\s*$/;

/**
 * The js/ts blocks of the Markdown file at `file`, in order, each with the
 * reason it is not run when a marker says so. Blocks in other languages
 * (shell, json) are not returned.
 */
export function readmeSnippets(file: string): ReadmeSnippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets: ReadmeSnippet[] = [];
  for (let at = 0; at < lines.length; at++) {
    const open = FENCE.exec(lines[at] ?? '');
    if (open === null) continue;
    const end = lines.findIndex((line, index) => index > at && line.startsWith('```'));
    if (end === -1) throw new Error(`${file}:${at + 1}: a code fence is never closed`);
    const marker = NOT_RUN.exec((lines[at - 1] ?? '').trim());
    const snippet: ReadmeSnippet = {
      file,
      index: snippets.length + 1,
      line: at + 1,
      lang: open[1] === 'ts' || open[1] === 'typescript' ? 'ts' : 'js',
      code: lines.slice(at + 1, end).join('\n'),
    };
    if (marker?.[1] !== undefined) snippet.notRun = marker[1];
    snippets.push(snippet);
    at = end;
  }
  return snippets;
}
