import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigIssue } from '../errors.js';

/**
 * keepalived's read_line() (lib/parser.c, v2.2.7), ported step by step:
 * decomment(), `@id`/`@^id` lines, `$NAME=value` definitions (multi-line
 * when a line ends in `\`), `$NAME`/`${NAME}` replaced at the time of use
 * and again in what they are replaced with, `~SEQ`, `~SEQx` and `~LST`
 * loops, the predefined `${_PWD}`, `${_INSTANCE}`, `${_RANDOM [min max]}`,
 * `${_HASH}`, `${_BANG}`, `include`, and finally a line split before its
 * first `{` or `}` outside double quotes (the brace and what follows become
 * the next lines). Each line it yields is what keepalived's keyword
 * handlers get.
 */

/** One logical line as keepalived's keyword handlers see it. */
export interface KaLine {
  text: string;
  file: string;
  line: number;
}

interface Def {
  value: string;
  multiline: boolean;
  /** A predefined parameter computed at each use (get_cwd, get_instance, get_random). */
  fn?: (params?: string) => string;
  maxParams: number;
}

interface Seq {
  var?: string;
  next: number;
  step: number;
  last: number;
  hex: boolean;
  params?: string[];
  values?: string[][];
  nextValue: number;
  text: string;
}

interface OpenFile {
  file: string;
  lines: string[];
  index: number;
}

const MAXBUF = 1024;
/** Guards keepalived lacks: it loops for ever on `$A=${B}` / `$B=${A}` and would read a ~SEQ of 10^9 lines. */
const MAX_REPLACEMENTS = 10_000;
const MAX_LOOP_LINES = 100_000;
const MAX_INCLUDE_DEPTH = 8;
const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
const isAlnum = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9]$/.test(c);
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const skipBlanks = (s: string, i: number) => {
  while (isBlank(s[i])) i++;
  return i;
};

/** strtol(p, &end, 0): sign, 0x hex, leading-0 octal or decimal; no digits gives 0 and p unchanged. */
function strtol(s: string, i: number): { value: number; end: number } {
  let j = i;
  while (/\s/.test(s[j] ?? 'x')) j++;
  let sign = 1;
  if (s[j] === '+' || s[j] === '-') sign = s[j++] === '-' ? -1 : 1;
  let m: RegExpExecArray | null;
  const rest = s.slice(j);
  if ((m = /^0[xX]([0-9a-fA-F]+)/.exec(rest))) return { value: sign * parseInt(m[1]!, 16), end: j + m[0].length };
  if ((m = /^0([0-7]*)/.exec(rest))) return { value: sign * (m[1] ? parseInt(m[1], 8) : 0), end: j + m[0].length };
  if ((m = /^[0-9]+/.exec(rest))) return { value: sign * Number(m[0]), end: j + m[0].length };
  return { value: 0, end: i };
}

/**
 * decomment(): drops leading and trailing blanks and the comment that starts
 * at the first `!` or `#` outside double quotes; `\#` and `\!` outside quotes
 * stand for the character itself. A trailing `\` is kept (it continues a
 * multi-line definition).
 */
export function decomment(str: string): { text: string; error?: string } {
  let s = str.replace(/^[ \t]+/, '');
  let quote = false;
  let cont = false;
  let skip = -1;
  let p = 0;
  for (;;) {
    const m = /[!#"\\]/.exec(s.slice(p));
    if (!m) break;
    p += m.index;
    const c = s[p];
    if (c === '"') {
      if (skip < 0) quote = !quote;
      p++;
      continue;
    }
    if (c === '\\') {
      if (p + 1 < s.length) {
        if (!quote && (s[p + 1] === '#' || s[p + 1] === '!')) {
          s = s.slice(0, p) + s.slice(p + 1);
          p++;
        } else p += 2;
        continue;
      }
      s = s.slice(0, p);
      cont = true;
      break;
    }
    if (!quote && skip < 0) skip = p;
    p++;
  }
  const error = quote ? `unterminated quote '${s}'` : undefined;
  if (skip >= 0) s = s.slice(0, skip);
  s = s.replace(/[ \t]+$/, '');
  if (cont) s += '\\';
  return { text: s, error };
}

export interface LineReaderOptions {
  /** keepalived -i (defaults to the host name): chooses `@id` lines and is `${_INSTANCE}`. */
  configId: string;
  /** The random source for `${_RANDOM}` (tests pin it). */
  random?: () => number;
}

export class KaLineReader {
  private readonly defs = new Map<string, Def>();
  private readonly seqs: Seq[] = [];
  private multilineSeqDepth = 0;
  private readonly multilineStack: Array<{ ptr: string; seqDepth: number }> = [];
  private nextPtr: string | undefined;
  private residue: string | undefined;
  private multilineDef: Def | undefined;
  private readonly files: OpenFile[] = [];
  private where: { file: string; line: number } = { file: '', line: 0 };
  private loopLines = 0;

  constructor(
    top: string,
    text: string,
    private readonly opts: LineReaderOptions,
    private readonly errors: ConfigIssue[],
    /** Config errors keepalived logs and carries on past. */
    private readonly tolerated: ConfigIssue[],
  ) {
    this.files.push({ file: top, lines: text.split('\n'), index: 0 });
    // set_std_definitions()
    this.addStd('_PWD', () => path.dirname(this.where.file), 0);
    this.addStd('_INSTANCE', () => this.opts.configId, 0);
    this.addStd('_RANDOM', (params) => this.random(params), 2);
    this.defs.set('_HASH', { value: '#', multiline: false, maxParams: 0 });
    this.defs.set('_BANG', { value: '!', multiline: false, maxParams: 0 });
  }

  private addStd(name: string, fn: (params?: string) => string, maxParams: number): void {
    this.defs.set(name, { value: '', multiline: false, fn, maxParams });
  }

  /** get_random(): `${_RANDOM [MIN [MAX]]}`, MIN 0 and MAX 32767 when not given. */
  private random(params?: string): string {
    let min = 0;
    let max = 32767;
    if (params) {
      const nums = params.trim().split(/\s+/).map(Number);
      min = nums[0]!;
      if (nums.length > 1) max = nums[1]!;
    }
    const r = this.opts.random ?? Math.random;
    return String(Math.floor(r() * (max - min + 1)) + min);
  }

  private tolerate(message: string): void {
    this.tolerated.push({ ...this.where, message });
  }

  /** The next line keepalived's handlers would get, or undefined at the end of the files. */
  next(): KaLine | undefined {
    let buf = '';
    do {
      if (this.residue !== undefined) {
        buf = this.residue;
        this.residue = undefined;
      } else if (this.seqs.length && this.seqs.length > this.multilineSeqDepth) {
        buf = this.stepSeq();
      } else if (this.nextPtr !== undefined) {
        if (this.tooManyLines()) continue;
        // Expanding a multi-line definition: its next line.
        const end = this.nextPtr.indexOf('\n');
        if (end < 0) {
          buf = this.nextPtr;
          const up = this.multilineStack.pop();
          if (up) {
            this.nextPtr = up.ptr;
            this.multilineSeqDepth = up.seqDepth;
          } else {
            this.nextPtr = undefined;
            this.multilineSeqDepth = 0;
          }
        } else {
          buf = this.nextPtr.slice(0, end);
          this.nextPtr = this.nextPtr.slice(end + 1);
        }
      } else {
        const read = this.physicalLine();
        if (read === undefined) return undefined;
        buf = read;
      }

      if (this.multilineDef) {
        this.continueDefinition(buf);
        buf = '';
        continue;
      }
      if (!buf) continue;
      buf = this.preprocess(buf);
    } while (buf === '' || this.include(buf));
    return { text: this.splitBrace(buf), ...this.where };
  }

  private physicalLine(): string | undefined {
    for (;;) {
      const f = this.files[this.files.length - 1];
      if (!f) return undefined;
      if (f.index >= f.lines.length) {
        this.files.pop();
        continue;
      }
      const raw = f.lines[f.index++]!.replace(/[\r\n]+$/, '');
      this.where = { file: f.file, line: f.index };
      if (!raw && this.multilineDef) {
        // A blank line ends a multi-line definition.
        if (!this.multilineDef.value) this.multilineDef.multiline = false;
        this.multilineDef = undefined;
      }
      if (!raw) continue;
      // Twice: keepalived's parent writes each decommented line to a copy of the
      // configuration that the checker process reads and decomments again
      // (read_line with write_conf_copy / read_conf_copy), so a `\#` or `\!`
      // outside quotes becomes a comment after all.
      const once = decomment(raw);
      const d = once.error ? once : decomment(once.text);
      if (d.error) this.tolerate(d.error);
      if (d.text) return d.text;
    }
  }

  /** The lines after `$NAME=... \`: each ending in `\` continues it; the first one that does not is its last. */
  private continueDefinition(line: string): void {
    const def = this.multilineDef!;
    let text = line;
    let more = false;
    if (text.endsWith('\\')) {
      text = text.slice(0, -1).replace(/[ \t]+$/, '') + '\n';
      more = true;
    } else {
      this.multilineDef = undefined;
      if (!def.value) def.multiline = false;
    }
    if (text.length >= 2 || (text.length && !more)) def.value += text;
  }

  /** The middle of read_line(): conditionals, definitions, loops, replacement; '' when the line is used up. */
  private preprocess(line: string): string {
    let buf = line;
    let recheck: boolean;
    do {
      recheck = false;
      if (buf[0] === '@') {
        const rev = buf[1] === '^';
        const ofs = rev ? 2 : 1;
        const sp = buf.slice(ofs).search(/[ \t]/);
        if (sp < 0) return '';
        const id = buf.slice(ofs, ofs + sp);
        if ((id !== this.opts.configId) !== rev) return '';
        buf = buf.slice(skipBlanks(buf, ofs + sp));
      }
      if (buf[0] === '$') {
        const def = this.checkDefinition(buf);
        if (def) {
          if (def.multiline) this.multilineDef = def;
          return '';
        }
      }
      if (buf.startsWith('~SEQ') || buf.startsWith('~LST')) {
        const ok = buf[1] === 'S' ? this.addSeq(buf) : this.addLst(buf);
        if (!ok) this.tolerate(`invalid ${buf.slice(0, 4)} specification '${buf}'`);
        return '';
      }
      if (buf[0] === '~') break;
      if (this.defs.size && buf.includes('$')) {
        const replaced = this.replaceParam(buf);
        if (replaced === undefined) break;
        const d = decomment(replaced);
        buf = d.text;
        if (buf[0] === '@' || buf.includes('$')) recheck = true;
      }
    } while (recheck);
    return buf;
  }

  /** check_definition(): `$NAME=value` with nothing but letters, digits and _ between `$` and `=`. */
  private checkDefinition(buf: string): Def | undefined {
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
    this.defs.set(name, def);
    return def;
  }

  private setDefinition(name: string, value: string): void {
    this.defs.set(name, { value, multiline: false, maxParams: 0 });
  }

  /** find_definition() at buf[at] (just after the `$`): the definition and how many characters `$...` spans. */
  private findDefinition(buf: string, at: number): { def: Def; length: number; params?: string } | undefined {
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
    const def = this.defs.get(name);
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
  private replaceParam(line: string): string | undefined {
    let buf = line;
    let cur = 0;
    let found = false;
    let multilinePtr = this.nextPtr;
    let nextPtr = multilinePtr;
    for (let replacements = 0; ; replacements++) {
      if (replacements >= MAX_REPLACEMENTS) {
        this.errors.push({ ...this.where, message: `parameter substitution on line '${line}' never ends (a definition refers to itself)` });
        return undefined;
      }
      cur = buf.indexOf('$', cur);
      if (cur < 0 || cur + 1 >= buf.length) break;
      const hit = this.findDefinition(buf, cur + 1);
      if (!hit) {
        cur++;
        continue;
      }
      found = true;
      const { def } = hit;
      nextPtr = multilinePtr;
      if (def.multiline && multilinePtr !== undefined) this.multilineStack.push({ ptr: multilinePtr, seqDepth: this.multilineSeqDepth });
      if (def.multiline) this.multilineSeqDepth = this.seqs.length;
      if (def.fn) def.value = def.fn(hit.params);
      let replacement = def.value;
      if (def.multiline) {
        const nl = def.value.indexOf('\n');
        replacement = nl < 0 ? def.value : def.value.slice(0, nl);
        nextPtr = nl < 0 ? '' : def.value.slice(nl + 1);
        multilinePtr = nextPtr;
      }
      if (buf.length - hit.length + replacement.length >= MAXBUF) {
        this.tolerate(`parameter substitution on line '${line}' would exceed maximum line length`);
        return undefined;
      }
      buf = buf.slice(0, cur) + replacement + buf.slice(cur + hit.length);
      if (def.value.trimStart().startsWith('~')) break;
    }
    if (found) this.nextPtr = nextPtr;
    return found ? buf : undefined;
  }

  /** add_seq(): `~SEQ(var, [start,] [step,] end) text`, `~SEQx` writes the numbers in hex. */
  private addSeq(buf: string): boolean {
    let p = 4;
    const hex = buf[p] === 'x';
    if (hex) p++;
    p = skipBlanks(buf, p);
    if (buf[p++] !== '(') return false;
    p = skipBlanks(buf, p);
    const varStart = p;
    while (p < buf.length && !' \t,)'.includes(buf[p]!)) p++;
    const name = buf.slice(varStart, p);
    p = skipBlanks(buf, p);
    if (p >= buf.length || buf[p] === ')' || !name) {
      this.tolerate(`invalid ~SEQ definition '${buf}'`);
      return false;
    }
    p = skipBlanks(buf, p + 1);
    const close = buf.indexOf(')', p);
    if (close < 0) return false;
    const saved = this.nextPtr;
    const replaced = this.defs.size ? this.replaceParam(buf.slice(p, close + 1)) : undefined;
    if (this.nextPtr !== saved) {
      this.nextPtr = saved;
      this.tolerate(`~SEQ parameter is multiline definition '${buf}'`);
      return false;
    }
    const args = replaced ?? buf.slice(p, close + 1);
    const bad = () => (this.tolerate(`invalid ~SEQ definition '${buf}'`), false);
    let start: number;
    let step: number;
    let end: number;
    let r = strtol(args, 0);
    let q = skipBlanks(args, r.end);
    const one = r.value;
    if (args[q] === ')') {
      end = one;
      step = end < 1 ? -1 : 1;
      start = end < 0 ? -1 : 1;
    } else {
      if (args[q] !== ',') return bad();
      r = strtol(args, q + 1);
      q = skipBlanks(args, r.end);
      const two = r.value;
      if (args[q] === ')') {
        start = one;
        end = two;
        step = start <= end ? 1 : -1;
      } else {
        if (args[q] !== ',') return bad();
        r = strtol(args, q + 1);
        q = skipBlanks(args, r.end);
        if (args[q] !== ')') return bad();
        start = one;
        step = two;
        end = r.value;
        if (!step || (start < end && step < 0) || (start > end && step > 0)) {
          this.tolerate(`invalid ~SEQ values '${buf}'`);
          return false;
        }
      }
    }
    if (hex && (start < 0 || end < 0)) {
      this.tolerate(`~SEQx is only valid for positive numbers '${buf}'`);
      return false;
    }
    this.seqs.push({ var: name, next: start, step, last: end, hex, nextValue: 0, text: buf.slice(skipBlanks(buf, close + 1)) });
    return true;
  }

  /** add_lst(): `~LST(var, v1, v2) text` or `~LST({a, b}, {1, 2}, {3, 4}) text`; missing values are empty. */
  private addLst(buf: string): boolean {
    let p = skipBlanks(buf, 4);
    if (buf[p++] !== '(') return false;
    p = skipBlanks(buf, p);
    let endChar = ',';
    if (buf[p] === '{') {
      endChar = '}';
      p = skipBlanks(buf, p + 1);
    }
    const params: string[] = [];
    for (;;) {
      const s = p;
      while (p < buf.length && !' \t,}'.includes(buf[p]!)) p++;
      params.push(buf.slice(s, p));
      p = skipBlanks(buf, p);
      if (buf[p] === endChar) break;
      if (buf[p] !== ',') return false;
      p = skipBlanks(buf, p + 1);
    }
    if (buf[p] === '}') p = skipBlanks(buf, p + 1);
    if (buf[p++] !== ',') return false;
    p = skipBlanks(buf, p);
    const values: string[][] = [];
    for (;;) {
      endChar = ',';
      if (buf[p] === '{') {
        endChar = '}';
        p = skipBlanks(buf, p + 1);
      }
      const set: string[] = [];
      for (;;) {
        const s = p;
        while (p < buf.length && !' \t,})'.includes(buf[p]!)) p++;
        set.push(buf.slice(s, p));
        p = skipBlanks(buf, p);
        if (buf[p] === endChar || (buf[p] === ')' && endChar === ',')) break;
        if (buf[p] !== ',') return false;
        p = skipBlanks(buf, p + 1);
        if (set.length > params.length - 1) {
          this.tolerate(`~LST specification has too many values '${buf}'`);
          return false;
        }
      }
      while (set.length < params.length) set.push('');
      values.push(set);
      if (buf[p] === '}' && endChar === '}') p = skipBlanks(buf, p + 1);
      if (buf[p] === ')') break;
      if (buf[p] !== ',') return false;
      p = skipBlanks(buf, p + 1);
    }
    if (!params.length || !values.length) return false;
    this.seqs.push({ next: 0, step: 0, last: 0, hex: false, params, values, nextValue: 0, text: buf.slice(skipBlanks(buf, p + 1)) });
    return true;
  }

  /**
   * Lines made by ~SEQ/~LST loops and multi-line definitions, all counted: past
   * the limit the loops and expansions are dropped with one error (a definition
   * that expands itself never ends in keepalived).
   */
  private tooManyLines(): boolean {
    if (++this.loopLines <= MAX_LOOP_LINES) return false;
    if (this.loopLines === MAX_LOOP_LINES + 1) this.errors.push({ ...this.where, message: `~SEQ/~LST blocks and multi-line definitions make more than ${MAX_LOOP_LINES} lines: not read further` });
    this.seqs.length = 0;
    this.nextPtr = undefined;
    this.multilineStack.length = 0;
    this.multilineSeqDepth = 0;
    return true;
  }

  /** The next line of the innermost ~SEQ/~LST loop, its variables set. */
  private stepSeq(): string {
    const seq = this.seqs[this.seqs.length - 1]!;
    if (this.tooManyLines()) return '';
    if (seq.params) {
      const set = seq.values![seq.nextValue]!;
      seq.params.forEach((name, i) => this.setDefinition(name, set[i] ?? ''));
      if (++seq.nextValue >= seq.values!.length) this.seqs.pop();
      return seq.text;
    }
    this.setDefinition(seq.var!, seq.hex ? seq.next.toString(16) : String(seq.next));
    seq.next += seq.step;
    if ((seq.step > 0 && seq.next > seq.last) || (seq.step < 0 && seq.next < seq.last)) this.seqs.pop();
    return seq.text;
  }

  /** check_include(): `include PATTERN` (the rest of the line, a glob relative to the file it is in). */
  private include(buf: string): boolean {
    const m = /^include([rmwba]?)\s+(.*)$/.exec(buf);
    if (!m) return false;
    const pattern = m[2]!.trim();
    if (this.files.length > MAX_INCLUDE_DEPTH) {
      this.errors.push({ ...this.where, path: 'include', message: `includes nested deeper than ${MAX_INCLUDE_DEPTH}` });
      return true;
    }
    const found = expandInclude(pattern, this.where.file);
    if (!found.length) this.errors.push({ ...this.where, path: 'include', message: `cannot read ${pattern}: no matching file` });
    // The first match is read first: the stack is read from its end.
    for (const f of found.reverse()) {
      try {
        this.files.push({ file: f, lines: readFileSync(f, 'utf8').split('\n'), index: 0 });
      } catch (err) {
        this.errors.push({ ...this.where, path: 'include', message: `cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      }
    }
    return true;
  }

  /** The end of read_line(): the text before the first `{`/`}` outside "..." is this line, the rest the next. */
  private splitBrace(line: string): string {
    let buf = line;
    let p = -1;
    if (buf[0] === '{' || buf[0] === '}') p = 0;
    else {
      let i = 0;
      for (;;) {
        const m = /[{}"]/.exec(buf.slice(i));
        if (!m) break;
        i += m.index;
        if (buf[i] !== '"') {
          p = i;
          break;
        }
        const close = buf.indexOf('"', i + 1);
        if (close < 0) break;
        i = close + 1;
      }
    }
    if (p >= 0) {
      const skip = p === 0 ? skipBlanks(buf, 1) : p;
      const rest = buf.slice(skip).replace(/[ \t]+$/, '');
      if (rest) this.residue = rest;
      buf = buf.slice(0, p === 0 ? 1 : p);
    }
    return buf.replace(/[ \t]+$/, '');
  }
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

/** keepalived chdir()s into each file's directory, so a relative include is relative to the file it is written in. */
function expandInclude(pattern: string, from: string): string[] {
  const full = path.resolve(path.dirname(from), pattern);
  if (!/[*?[]/.test(path.basename(full))) {
    try {
      readdirSync(path.dirname(full));
    } catch {
      return [];
    }
    return [full];
  }
  const dir = path.dirname(full);
  const re = globToRegExp(path.basename(full));
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    /* no such directory: no match */
  }
  return names.filter((n) => re.test(n)).sort().map((n) => path.join(dir, n));
}
