import { readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ConfigIssue } from '../errors.js';

/** One keepalived statement: a keyword, its arguments on that line, and its block if it opens one. */
export interface KaNode {
  key: string;
  args: string[];
  children?: KaNode[];
  file: string;
  line: number;
}

interface Token {
  text: string;
  file: string;
  line: number;
  /** Last token of its line. */
  eol: boolean;
}

const MAX_INCLUDE_DEPTH = 8;

/** Splits one line into tokens: quoted strings stay whole, `{` and `}` stand alone, `#` and `!` start comments. */
export function tokenizeLine(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|([{}])|([#!].*$)|([^\s{}"]+)/g;
  for (const m of line.matchAll(re)) {
    if (m[3] !== undefined) break;
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(m[2] ?? m[4]!);
  }
  return out;
}

/** A glob(3) file-name pattern as a RegExp: `*`, `?`, `[abc]`/`[!a-z]`; an unclosed `[` is a plain character, as in glob. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    // A class glob(3) would reject too ([z-a]): match the name literally.
    return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\*?]/g, '\\$&')}$`);
  }
}

async function expandInclude(pattern: string, from: string): Promise<string[]> {
  const full = path.resolve(path.dirname(from), pattern);
  if (!/[*?[]/.test(path.basename(full))) return [full];
  const dir = path.dirname(full);
  const re = globToRegExp(path.basename(full));
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => re.test(n)).sort().map((n) => path.join(dir, n));
}

/** What keepalived's parser carries across a file and its includes: `$NAME=` definitions and the `-i` config id. */
export interface ParseContext {
  /** keepalived -i: `@id` lines are kept only when id matches; `@^id` lines only when it does not. Defaults to the host name, as keepalived's does. */
  configId: string;
  defs: Map<string, string>;
}

/**
 * keepalived's line preprocessing (parser.c): `@id`/`@^id` conditional lines,
 * `$NAME=value` definitions (the line defines, it is not a statement) and
 * `$NAME`/`${NAME}` substitution. Returns undefined for a line that is not
 * a statement.
 */
export function preprocessLine(raw: string, ctx: ParseContext): string | undefined {
  let line = raw;
  const cond = /^\s*@(\^?)(\S+)\s*(.*)$/.exec(line);
  if (cond) {
    const matches = cond[2] === ctx.configId;
    if (cond[1] ? matches : !matches) return undefined;
    line = cond[3]!;
  }
  const def = /^\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
  if (def) {
    ctx.defs.set(def[1]!, def[2]!);
    return undefined;
  }
  if (ctx.defs.size && line.includes('$')) {
    line = line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => ctx.defs.get(braced ?? bare!) ?? whole);
  }
  return line;
}

/** Tokens of one file; `known` is its text when the caller has read it already (the top file). */
async function tokenizeFile(file: string, depth: number, errors: ConfigIssue[], ctx: ParseContext, includedFrom?: { file: string; line: number }, known?: string): Promise<Token[]> {
  let text: string;
  try {
    text = known ?? (await readFile(file, 'utf8'));
  } catch (err) {
    errors.push({ file: includedFrom?.file ?? file, line: includedFrom?.line, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return [];
  }
  const tokens: Token[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = preprocessLine(lines[i]!.replace(/\r$/, ''), ctx);
    if (line === undefined) continue;
    const words = tokenizeLine(line);
    if (!words.length) continue;
    if (words[0] === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        errors.push({ file, line: i + 1, path: 'include', message: `includes nested deeper than ${MAX_INCLUDE_DEPTH}` });
        continue;
      }
      for (const pattern of words.slice(1)) for (const f of await expandInclude(pattern, file)) tokens.push(...(await tokenizeFile(f, depth + 1, errors, ctx, { file, line: i + 1 })));
      continue;
    }
    words.forEach((w, j) => tokens.push({ text: w, file, line: i + 1, eol: j === words.length - 1 }));
  }
  return tokens;
}

/** Parses keepalived.conf (and its includes) into statements; unbalanced braces are errors with their line. */
export async function parseKeepalived(file: string, configId: string = hostname(), text?: string): Promise<{ nodes: KaNode[]; errors: ConfigIssue[] }> {
  const errors: ConfigIssue[] = [];
  const tokens = await tokenizeFile(file, 0, errors, { configId, defs: new Map() }, undefined, text);
  let i = 0;
  const block = (closing: Token | undefined): KaNode[] => {
    const nodes: KaNode[] = [];
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.text === '}') {
        i++;
        if (!closing) errors.push({ file: t.file, line: t.line, message: 'unexpected }' });
        return nodes;
      }
      if (t.text === '{') {
        errors.push({ file: t.file, line: t.line, message: 'unexpected { without a keyword' });
        i++;
        continue;
      }
      const node: KaNode = { key: t.text, args: [], file: t.file, line: t.line };
      i++;
      let ended = t.eol;
      while (!ended && i < tokens.length && tokens[i]!.text !== '{' && tokens[i]!.text !== '}') {
        node.args.push(tokens[i]!.text);
        ended = tokens[i]!.eol;
        i++;
      }
      // `{` on the same line, or alone on the next one, opens the statement's block.
      if (i < tokens.length && tokens[i]!.text === '{' && (!ended || tokens[i]!.eol)) {
        const open = tokens[i]!;
        i++;
        node.children = block(open);
      }
      nodes.push(node);
    }
    if (closing) errors.push({ file: closing.file, line: closing.line, message: 'this { is never closed' });
    return nodes;
  };
  const nodes = block(undefined);
  return { nodes, errors };
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
