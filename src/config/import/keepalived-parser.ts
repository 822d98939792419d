import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ConfigIssue } from '../errors.js';
import { KaLineReader, type LineReaderOptions } from './keepalived-lines.js';
import { splitWords } from './keepalived-split.js';

export { globToRegExp } from './keepalived-include.js';

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
  /** Lines that still hold a `${NAME}` no definition replaced: keepalived leaves it as written, rsguard says so. */
  warnings: string[];
}

interface Line {
  words: string[];
  raw: string;
  file: string;
  line: number;
}

/** The keywords of a level that open a sublevel of their own (install_sublevel), a value block (alloc_value_block), or a block rsguard reads with braces matched only. */
type Grammar = { [keyword: string]: Grammar | 'value' | 'generic' };
const PLAIN: Grammar = {};
const HTTP: Grammar = { url: PLAIN };
/** check_parser.c init_check_keywords and the install_*_check_keyword() of each checker. */
const REAL_SERVER: Grammar = {
  TCP_CHECK: PLAIN, HTTP_GET: HTTP, SSL_GET: HTTP, MISC_CHECK: PLAIN, SMTP_CHECK: { host: PLAIN }, DNS_CHECK: PLAIN, UDP_CHECK: PLAIN, PING_CHECK: PLAIN, FILE_CHECK: PLAIN, BFD_CHECK: PLAIN,
};
const VIRTUAL_SERVER: Grammar = { real_server: REAL_SERVER };
/**
 * The top level as keepalived's checker process reads it: virtual_server and
 * virtual_server_group by its grammar; the other keywords every keepalived
 * process registers (install_keyword_root) by matching braces, as the checker
 * process skips the ones it does not run.
 */
const TOP: Grammar = {
  virtual_server: VIRTUAL_SERVER,
  virtual_server_group: 'value',
  ...Object.fromEntries(
    ['SSL', 'bfd_instance', 'child_wait_time', 'garp_group', 'global_defs', 'instance', 'interface_up_down_delays', 'linkbeat_interfaces', 'linkbeat_use_polling', 'namespace_with_ipsets', 'net_namespace', 'net_namespace_ipvs', 'static_ipaddress', 'static_routes', 'static_rules', 'track_file', 'track_group', 'use_pid_dir', 'vrrp_instance', 'vrrp_script', 'vrrp_sync_group', 'vrrp_track_file', 'vrrp_track_process'].map((k) => [k, 'generic' as const]),
  ),
};

/**
 * Parses keepalived.conf (and its includes) into statements, line by line
 * as keepalived's process_stream() does: each line from read_line() is split
 * into words by alloc_strvec_r(), and the keyword grammar of each level
 * decides which keywords own the `{ ... }` that follows them.
 */
export async function parseKeepalived(file: string, configId: string = hostname(), text?: string, options: Partial<LineReaderOptions> = {}): Promise<ParseResult> {
  const errors: ConfigIssue[] = [];
  const tolerated: ConfigIssue[] = [];
  let body: string;
  try {
    body = text ?? (await readFile(file, 'utf8'));
  } catch (err) {
    errors.push({ file, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return { nodes: [], errors, tolerated, warnings: [] };
  }
  const reader = new KaLineReader(file, body, { configId, ...options }, errors, tolerated);
  const lines: Line[] = [];
  const warnings: string[] = [];
  for (let l = reader.next(); l; l = reader.next()) {
    // keepalived.conf(5): "If a parameter is not defined, it will not be replaced at all".
    for (const m of l.text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)[ 0-9]*\}/g)) {
      const predefined = m[1]!.startsWith('_') ? ' (keepalived 2.2.7 predefines only _PWD, _INSTANCE, _RANDOM, _HASH and _BANG)' : '';
      warnings.push(`${l.file}:${l.line}: ${m[0]} is not defined${predefined}: keepalived leaves it as written, and so does rsguard`);
    }
    const split = splitWords(l.text);
    if (split.error) tolerated.push({ file: l.file, line: l.line, message: split.error });
    if (split.words.length) lines.push({ words: split.words, raw: l.text, file: l.file, line: l.line });
  }
  let i = 0;
  const at = (l: Line) => ({ file: l.file, line: l.line });
  const node = (l: Line): KaNode => ({ key: l.words[0]!, args: l.words.slice(1), raw: l.raw, file: l.file, line: l.line });
  const opensBlock = () => lines[i]?.words[0] === '{' && lines[i]!.words.length === 1;

  /** A block keepalived's checker process skips or rsguard reads loosely: braces matched, nothing else assumed. */
  const generic = (opener: Line): KaNode[] => {
    const nodes: KaNode[] = [];
    while (i < lines.length) {
      const l = lines[i++]!;
      if (l.words[0] === '}') return nodes;
      if (l.words[0] === '{') {
        tolerated.push({ ...at(l), message: "unexpected '{' - ignoring" });
        continue;
      }
      const n = node(l);
      if (opensBlock()) {
        i++;
        n.children = generic(l);
      }
      nodes.push(n);
    }
    tolerated.push({ ...at(opener), path: opener.words[0], message: "this block's '{' is never closed (keepalived: missing '}')" });
    return nodes;
  };

  /** alloc_value_block(): every line up to the `}` is one entry. */
  const valueBlock = (opener: Line): KaNode[] => {
    const nodes: KaNode[] = [];
    if (opensBlock()) i++;
    else tolerated.push({ ...at(opener), path: opener.words[0], message: `'{' missing from beginning of block ${opener.words[0]}` });
    while (i < lines.length) {
      const l = lines[i++]!;
      if (l.words[0] === '}') return nodes;
      nodes.push(node(l));
    }
    tolerated.push({ ...at(opener), path: opener.words[0], message: "this block's '{' is never closed (keepalived: missing '}')" });
    return nodes;
  };

  /**
   * process_stream(): a keyword that has a sublevel takes the following `{`
   * and the lines up to the `}` that ends that level. After any other keyword
   * (or one this level does not know) a `{` is "Unexpected '{' - ignoring",
   * the lines after it are read at this level, and its `}` ends this level.
   */
  const level = (grammar: Grammar, opener: Line | undefined): KaNode[] => {
    const nodes: KaNode[] = [];
    let needBob = opener !== undefined;
    while (i < lines.length) {
      const l = lines[i++]!;
      const key = l.words[0]!;
      if (needBob) {
        needBob = false;
        if (key === '{') continue;
        tolerated.push({ ...at(l), message: `missing '{' at beginning of configuration block ${opener!.words[0]}` });
      } else if (key === '{') {
        tolerated.push({ ...at(l), message: "unexpected '{' - ignoring" });
        continue;
      }
      if (key === '}') {
        if (opener) return nodes;
        // read_line(): "Extra '}' found"; at the top level it is then an unknown keyword.
        tolerated.push({ ...at(l), message: "extra '}' found" });
        continue;
      }
      const n = node(l);
      const sub = grammar[key];
      if (sub === 'value') n.children = valueBlock(l);
      else if (sub === 'generic') {
        if (opensBlock()) {
          i++;
          n.children = generic(l);
        }
      } else if (sub) n.children = level(sub, l);
      nodes.push(n);
    }
    if (opener) tolerated.push({ ...at(opener), path: opener.words[0], message: "this block's '{' is never closed (keepalived: missing '}')" });
    return nodes;
  };
  const nodes = level(TOP, undefined);
  return { nodes, errors, tolerated, warnings };
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
