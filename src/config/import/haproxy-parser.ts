import type { ConfigIssue } from '../errors.js';
import type { Directive } from './imported.js';
import { evalHaproxyCondition } from './haproxy-cond.js';
import { splitHaproxyLine } from './haproxy-line.js';

/** One section of haproxy.cfg: `global`, `defaults [name] [from name]`, `frontend`, `backend`, `listen`. */
export interface HaproxySection {
  kind: 'global' | 'defaults' | 'frontend' | 'backend' | 'listen' | 'other';
  name: string;
  args: string[];
  line: number;
  body: Directive[];
}

export interface HaproxyParse {
  sections: HaproxySection[];
  /** What HAProxy refuses to start on (an unmatched quote, `.alert`, a `.if` without `.endif`). */
  errors: ConfigIssue[];
  /** `.warning` and `.notice` messages, which HAProxy logs at start. */
  warnings: string[];
}

const SECTIONS = new Set(['global', 'defaults', 'frontend', 'backend', 'listen']);
/** The other sections HAProxy 2.6 registers (REGISTER_CONFIG_SECTION): rsguard does not read them. */
const OTHER = new Set(['peers', 'resolvers', 'userlist', 'cache', 'program', 'http-errors', 'ring', 'mailers', 'log-forward', 'fcgi-app', 'namespace_list']);

/** Words of one line, with environment variables from `env` (HAProxy's parse_line(); see haproxy-line.ts). */
export function haproxyWords(line: string, env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const r = splitHaproxyLine(line, { env, file: '', line: 0, section: '' });
  if (r.error !== undefined) throw new Error(r.error);
  return r.words;
}

type Cond = 'take' | 'drop' | 'skip' | 'else-take' | 'else-drop';

/**
 * Reads haproxy.cfg as readcfgfile() (src/cfgparse.c, HAProxy 2.6) does:
 * lines split by parse_line(), `.if`/`.elif`/`.else`/`.endif` blocks
 * (configuration.txt 2.4) kept or masked, `.alert` stops, `.warning` and
 * `.notice` are reported, `.diag` only speaks in HAProxy's diagnostic mode.
 */
export function parseHaproxy(file: string, text: string, env: Readonly<Record<string, string | undefined>> = process.env): HaproxyParse {
  const sections: HaproxySection[] = [];
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  let current: HaproxySection | undefined;
  let sectionName = '';
  // One entry per open `.if`: whether its current branch is kept, and whether a branch was already taken.
  const conds: Array<{ state: Cond; line: number }> = [];
  const masked = () => conds.some((c) => c.state !== 'take' && c.state !== 'else-take');
  const lines = text.split('\n');
  let lineNo = 0;
  // HAProxy aborts reading the file on these (goto err): what follows is not read.
  const fatal = (message: string, path?: string): HaproxyParse => {
    errors.push({ file, line: lineNo, ...(path ? { path } : {}), message });
    return { sections, errors, warnings };
  };
  for (let i = 0; i < lines.length; i++) {
    lineNo = i + 1;
    const raw = lines[i]!;
    const err = (message: string, path?: string) => errors.push({ file, line: lineNo, ...(path ? { path } : {}), message });
    // A line starting with `[` is a scope marker (cfg_parse_scope), not a directive.
    if (/^\s*\[/.test(raw)) continue;
    const r = splitHaproxyLine(raw, { env, file, line: lineNo, section: sectionName });
    if (r.error !== undefined) {
      err(r.error);
      continue;
    }
    const words = r.words;
    if (!words.length) continue;
    const [key, ...args] = words as [string, ...string[]];
    if (key === '.if' || key === '.elif') {
      const top = conds[conds.length - 1];
      if (key === '.elif' && !top) return fatal(`lone '.elif' with no matching '.if'`);
      if (key === '.elif' && top!.state.startsWith('else')) return fatal(`'.elif' after '.else' is not permitted`);
      // An `.if` inside a masked block is skipped whole; an `.elif` after a taken branch is skipped.
      if ((key === '.if' && masked()) || (key === '.elif' && (top!.state === 'take' || top!.state === 'skip'))) {
        if (key === '.if') conds.push({ state: 'skip', line: lineNo });
        else top!.state = 'skip';
        continue;
      }
      const c = evalHaproxyCondition(r.all.slice(1).join(' '), env);
      if (c.error !== undefined) return fatal(`${c.error} in '${key}'`, key);
      if (key === '.if') conds.push({ state: c.value ? 'take' : 'drop', line: lineNo });
      else top!.state = c.value ? 'take' : 'drop';
      continue;
    }
    if (key === '.else' || key === '.endif') {
      if (args.length) return fatal(`Unexpected argument '${args[0]}' for '${key}'`);
      const top = conds[conds.length - 1];
      if (!top) return fatal(`lone '${key}' with no matching '.if'`);
      if (key === '.endif') conds.pop();
      else if (top.state.startsWith('else')) return fatal(`'.else' after '.else' is not permitted`);
      else top.state = top.state === 'drop' ? 'else-take' : 'else-drop';
      continue;
    }
    if (masked()) continue;
    if (key.startsWith('.')) {
      if (!['.alert', '.warning', '.notice', '.diag'].includes(key)) {
        err(`unknown directive '${key}'`, key);
        continue;
      }
      if (args.length > 1) {
        err(`Unexpected argument '${args[1]}' for '${key}'. Use quotes if the message should contain spaces.`, key);
        continue;
      }
      if (key === '.alert') return fatal(`'${args[0] ?? ''}' (.alert stops HAProxy)`, key);
      if (key === '.warning' || key === '.notice') warnings.push(`${file}:${lineNo}: ${key} '${args[0] ?? ''}'`);
      continue;
    }
    if (SECTIONS.has(key) || OTHER.has(key)) {
      current = { kind: SECTIONS.has(key) ? (key as HaproxySection['kind']) : 'other', name: key === 'global' ? 'global' : (args[0] ?? ''), args: key === 'global' ? args : args.slice(1), line: lineNo, body: [] };
      if (current.kind === 'other') current.name = `${key} ${args[0] ?? ''}`.trim();
      sectionName = args[0] ?? key;
      sections.push(current);
      continue;
    }
    if (!current) sections.push((current = { kind: 'global', name: '(before any section)', args: [], line: lineNo, body: [] }));
    current.body.push({ key, args, file, line: lineNo });
  }
  for (const c of conds) errors.push({ file, line: c.line, path: '.if', message: `'.if' is not terminated by '.endif'` });
  return { sections, errors, warnings };

}
