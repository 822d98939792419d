import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ConfigIssue } from '../errors.js';
import { KaLineReader, type LineReaderOptions } from './keepalived-lines.js';
import { splitWords } from './keepalived-split.js';

export { globToRegExp } from './keepalived-lines.js';

/** One keepalived statement: a keyword, its arguments on that line, and its block if it opens one. */
export interface KaNode {
  key: string;
  args: string[];
  /** The whole line as keepalived's handlers see it (buf_extern): script keywords split it again with their own splitter. */
  raw: string;
  children?: KaNode[];
  file: string;
  line: number;
}

export interface ParseResult {
  nodes: KaNode[];
  errors: ConfigIssue[];
  /** What keepalived logs as a config error and reads past (an extra `}`, an unmatched quote...). */
  tolerated: ConfigIssue[];
}

/**
 * Parses keepalived.conf (and its includes) into statements, line by line
 * as keepalived's process_stream() does: each line from read_line() is split
 * into words by alloc_strvec_r(), and a line that is followed by a `{` line
 * owns the lines up to the matching `}`.
 */
export async function parseKeepalived(file: string, configId: string = hostname(), text?: string, options: Partial<LineReaderOptions> = {}): Promise<ParseResult> {
  const errors: ConfigIssue[] = [];
  const tolerated: ConfigIssue[] = [];
  let body: string;
  try {
    body = text ?? (await readFile(file, 'utf8'));
  } catch (err) {
    errors.push({ file, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return { nodes: [], errors, tolerated };
  }
  const reader = new KaLineReader(file, body, { configId, ...options }, errors, tolerated);
  const lines: Array<{ words: string[]; raw: string; file: string; line: number }> = [];
  for (let l = reader.next(); l; l = reader.next()) {
    const split = splitWords(l.text);
    if (split.error) tolerated.push({ file: l.file, line: l.line, message: split.error });
    if (split.words.length) lines.push({ words: split.words, raw: l.text, file: l.file, line: l.line });
  }
  let i = 0;
  const block = (opener: { file: string; line: number } | undefined): KaNode[] => {
    const nodes: KaNode[] = [];
    while (i < lines.length) {
      const l = lines[i++]!;
      const key = l.words[0]!;
      if (key === '}') {
        // read_line(): "Extra '}' found", then keepalived reads on.
        if (!opener) tolerated.push({ file: l.file, line: l.line, message: "extra '}' found" });
        else return nodes;
        continue;
      }
      if (key === '{') {
        // process_stream(): "Unexpected '{' - ignoring"; what follows is read at this level.
        tolerated.push({ file: l.file, line: l.line, message: "unexpected '{' - ignoring" });
        continue;
      }
      const node: KaNode = { key, args: l.words.slice(1), raw: l.raw, file: l.file, line: l.line };
      if (lines[i]?.words[0] === '{' && lines[i]!.words.length === 1) {
        i++;
        node.children = block(l);
      }
      nodes.push(node);
    }
    // keepalived: "There are N missing '}'s or extra '{'s", and the file is read as far as it goes.
    if (opener) tolerated.push({ file: opener.file, line: opener.line, message: "this block's '{' is never closed (keepalived: missing '}')" });
    return nodes;
  };
  const nodes = block(undefined);
  return { nodes, errors, tolerated };
}

/** A keyword's first argument as a number of at least `min`, or an error naming its line. */
export function number(n: KaNode, errors: ConfigIssue[], min = 0): number | undefined {
  const v = Number(n.args[0]);
  if (n.args.length === 0 || !Number.isFinite(v) || v < min) {
    errors.push({ file: n.file, line: n.line, path: n.key, message: `expected a number ≥ ${min}, got ${JSON.stringify(n.args.join(' '))}` });
    return undefined;
  }
  return v;
}
