import type { Directive } from './imported.js';

/** One section of haproxy.cfg: `global`, `defaults [name]`, `frontend`, `backend`, `listen NAME [addr]`. */
export interface HaproxySection {
  kind: 'global' | 'defaults' | 'frontend' | 'backend' | 'listen' | 'other';
  name: string;
  args: string[];
  line: number;
  body: Directive[];
}

const SECTIONS = new Set(['global', 'defaults', 'frontend', 'backend', 'listen']);
/** Sections rsguard does not read (peers, resolvers, userlist, cache, program, http-errors, ring, mailers). */
const OTHER = new Set(['peers', 'resolvers', 'userlist', 'cache', 'program', 'http-errors', 'ring', 'mailers', 'log-forward', 'fcgi-app', 'crt-store', 'traces']);

/**
 * Splits a line as HAProxy does: spaces separate words; `\\ ` and `\\#` escape;
 * single and double quotes group; `#` outside quotes starts a comment.
 */
export function haproxyWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      const n = line[++i]!;
      cur += n === 'r' ? '\r' : n === 'n' ? '\n' : n === 't' ? '\t' : n;
      has = true;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '#') break;
    else if (c === ' ' || c === '\t') {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words;
}

export function parseHaproxy(file: string, text: string): HaproxySection[] {
  const sections: HaproxySection[] = [];
  let current: HaproxySection | undefined;
  text.split('\n').forEach((raw, i) => {
    const words = haproxyWords(raw.replace(/\r$/, ''));
    if (!words.length) return;
    const [key, ...args] = words as [string, ...string[]];
    if (SECTIONS.has(key) || OTHER.has(key)) {
      current = { kind: SECTIONS.has(key) ? (key as HaproxySection['kind']) : 'other', name: key === 'global' ? 'global' : (args[0] ?? ''), args: key === 'global' ? args : args.slice(1), line: i + 1, body: [] };
      if (current.kind === 'other') current.name = `${key} ${args[0] ?? ''}`.trim();
      sections.push(current);
      return;
    }
    if (!current) sections.push((current = { kind: 'global', name: '(before any section)', args: [], line: i + 1, body: [] }));
    current.body.push({ key, args, file, line: i + 1 });
  });
  return sections;
}
