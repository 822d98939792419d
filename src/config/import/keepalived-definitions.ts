import { isAlnum, isAlpha, isDigit, skipBlanks } from './keepalived-decomment.js';

/**
 * keepalived's parameters (lib/parser.c v2.2.7 check_definition,
 * find_definition, replace_param): `$NAME=value` definitions and their
 * replacement where `$NAME`/`${NAME}` is used.
 */

export interface Def {
  value: string;
  multiline: boolean;
  /** A predefined parameter computed at each use (get_cwd, get_instance, get_random). */
  fn?: (params?: string) => string;
  maxParams: number;
}

/** Where a multi-line definition being expanded stands (read_line's next_ptr, multiline_stack, multiline_seq_depth). */
export interface MultilineState {
  nextPtr: string | undefined;
  stack: Array<{ ptr: string; seqDepth: number }>;
  seqDepth: number;
  /** How many ~SEQ/~LST loops are open. */
  seqCount: () => number;
}

/** How a problem is reported: fatal ones refuse the file, the others are what keepalived logs and reads past. */
export type Report = (message: string, fatal: boolean) => void;

const MAXBUF = 1024;
/** A guard keepalived lacks: it loops for ever on `$A=${B}` / `$B=${A}`. */
const MAX_REPLACEMENTS = 10_000;

/** check_definition(): `$NAME=value` with nothing but letters, digits and _ between `$` and `=`. */
export function checkDefinition(defs: Map<string, Def>, buf: string): Def | undefined {
  if (!isAlpha(buf[1]) && buf[1] !== '_') return undefined;
  let p = 2;
  for (; p < buf.length; p++) {
    if (buf[p] === '=') break;
    if (!isAlnum(buf[p]) && buf[p] !== '_') return undefined;
  }
  if (buf[p] !== '=') return undefined;
  const name = buf.slice(1, p);
  let value = buf.slice(skipBlanks(buf, p + 1));
  let multiline = false;
  if (value.endsWith('\\')) {
    value = value.slice(0, -1).replace(/[ \t]+$/, '');
    value = value ? `${value}\n` : '';
    multiline = true;
  }
  const def: Def = { value, multiline, maxParams: 0 };
  // A later definition replaces an earlier one, predefined ones included.
  defs.set(name, def);
  return def;
}

/** find_definition() at buf[at] (just after the `$`): the definition and how many characters `$...` spans. */
export function findDefinition(defs: Map<string, Def>, buf: string, at: number): { def: Def; length: number; params?: string } | undefined {
  const braces = buf[at] === '{';
  let p = braces ? at + 1 : at;
  if (!isAlpha(buf[p]) && buf[p] !== '_') return undefined;
  const nameStart = p;
  p++;
  while (isAlnum(buf[p]) || buf[p] === '_') p++;
  const name = buf.slice(nameStart, p);
  let params: string | undefined;
  if (braces) {
    let ps = -1;
    let pe = -1;
    while (buf[p] === ' ' || isDigit(buf[p])) {
      if (buf[p] !== ' ') {
        if (ps < 0) ps = p;
        pe = p;
      }
      p++;
    }
    if (ps >= 0 && pe + 1 !== p) return undefined;
    if (buf[p] !== '}') return undefined;
    if (ps >= 0) params = buf.slice(ps, pe + 1);
    p++;
  } else if (p < buf.length && !' \t,)'.includes(buf[p]!)) return undefined;
  const def = defs.get(name);
  if (!def) return undefined;
  // A multi-line definition is only expanded at the end of a line.
  if (def.multiline && p !== buf.length) return undefined;
  if (params !== undefined && !def.maxParams) return undefined;
  return { def, length: p - (at - 1), params };
}

/**
 * replace_param(): each `$NAME`/`${NAME}` is replaced where it stands and
 * the scan goes on from the start of the replacement, so definitions inside
 * definitions are replaced too (keepalived.conf(5): "replacement is
 * recursive"). Undefined when nothing was replaced.
 */
export function replaceParam(defs: Map<string, Def>, ml: MultilineState, line: string, report: Report): string | undefined {
  let buf = line;
  let cur = 0;
  let found = false;
  let multilinePtr = ml.nextPtr;
  let nextPtr = multilinePtr;
  for (let replacements = 0; ; replacements++) {
    if (replacements >= MAX_REPLACEMENTS) {
      report(`parameter substitution on line '${line}' never ends (a definition refers to itself)`, true);
      return undefined;
    }
    cur = buf.indexOf('$', cur);
    if (cur < 0 || cur + 1 >= buf.length) break;
    const hit = findDefinition(defs, buf, cur + 1);
    if (!hit) {
      cur++;
      continue;
    }
    found = true;
    const { def } = hit;
    nextPtr = multilinePtr;
    if (def.multiline && multilinePtr !== undefined) ml.stack.push({ ptr: multilinePtr, seqDepth: ml.seqDepth });
    if (def.multiline) ml.seqDepth = ml.seqCount();
    if (def.fn) def.value = def.fn(hit.params);
    let replacement = def.value;
    if (def.multiline) {
      const nl = def.value.indexOf('\n');
      replacement = nl < 0 ? def.value : def.value.slice(0, nl);
      nextPtr = nl < 0 ? '' : def.value.slice(nl + 1);
      multilinePtr = nextPtr;
    }
    if (buf.length - hit.length + replacement.length >= MAXBUF) {
      report(`parameter substitution on line '${line}' would exceed maximum line length`, false);
      return undefined;
    }
    buf = buf.slice(0, cur) + replacement + buf.slice(cur + hit.length);
    if (def.value.trimStart().startsWith('~')) break;
  }
  if (found) ml.nextPtr = nextPtr;
  return found ? buf : undefined;
}

/** get_random(): `${_RANDOM [MIN [MAX]]}`, MIN 0 and MAX 32767 when not given. */
export function randomValue(params: string | undefined, r: () => number): string {
  let min = 0;
  let max = 32767;
  if (params) {
    const nums = params.trim().split(/\s+/).map(Number);
    min = nums[0]!;
    if (nums.length > 1) max = nums[1]!;
  }
  return String(Math.floor(r() * (max - min + 1)) + min);
}
