import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { decomment, skipBlanks, splitAtBrace } from './keepalived-decomment.js';
import { checkDefinition, randomValue, replaceParam, type Def, type MultilineState } from './keepalived-definitions.js';
import { expandInclude } from './keepalived-include.js';
import { parseLst, parseSeq, type Seq } from './keepalived-loops.js';

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

interface OpenFile {
  file: string;
  lines: string[];
  index: number;
}

/** A guard keepalived lacks: it would read a ~SEQ of 10^9 lines, or a definition that expands itself for ever. */
const MAX_LOOP_LINES = 100_000;
const MAX_INCLUDE_DEPTH = 8;

export interface LineReaderOptions {
  /** keepalived -i (defaults to the host name): chooses `@id` lines and is `${_INSTANCE}`. */
  configId: string;
  /** The random source for `${_RANDOM}` (tests pin it). */
  random?: () => number;
}

export class KaLineReader {
  private readonly defs = new Map<string, Def>();
  private readonly seqs: Seq[] = [];
  private readonly ml: MultilineState = { nextPtr: undefined, stack: [], seqDepth: 0, seqCount: () => this.seqs.length };
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
    // get_cwd(): keepalived chdir()s into the directory of each file it reads.
    this.addStd('_PWD', () => path.dirname(path.resolve(this.where.file)), 0);
    this.addStd('_INSTANCE', () => this.opts.configId, 0);
    this.addStd('_RANDOM', (params) => randomValue(params, this.opts.random ?? Math.random), 2);
    this.defs.set('_HASH', { value: '#', multiline: false, maxParams: 0 });
    this.defs.set('_BANG', { value: '!', multiline: false, maxParams: 0 });
  }

  private addStd(name: string, fn: (params?: string) => string, maxParams: number): void {
    this.defs.set(name, { value: '', multiline: false, fn, maxParams });
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
      } else if (this.seqs.length && this.seqs.length > this.ml.seqDepth) {
        buf = this.stepSeq();
      } else if (this.ml.nextPtr !== undefined) {
        if (this.tooManyLines()) continue;
        // Expanding a multi-line definition: its next line.
        const end = this.ml.nextPtr.indexOf('\n');
        if (end < 0) {
          buf = this.ml.nextPtr;
          const up = this.ml.stack.pop();
          if (up) {
            this.ml.nextPtr = up.ptr;
            this.ml.seqDepth = up.seqDepth;
          } else {
            this.ml.nextPtr = undefined;
            this.ml.seqDepth = 0;
          }
        } else {
          buf = this.ml.nextPtr.slice(0, end);
          this.ml.nextPtr = this.ml.nextPtr.slice(end + 1);
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
    const split = splitAtBrace(buf);
    this.residue = split.residue;
    return { text: split.line, ...this.where };
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
        const def = checkDefinition(this.defs, buf);
        if (def) {
          if (def.multiline) this.multilineDef = def;
          return '';
        }
      }
      if (buf.startsWith('~SEQ') || buf.startsWith('~LST')) {
        const report = (message: string) => this.tolerate(message);
        const seq = buf[1] === 'S' ? parseSeq(buf, (params) => this.replaceInSeq(params), report) : parseLst(buf, report);
        if (seq) this.seqs.push(seq);
        else this.tolerate(`invalid ${buf.slice(0, 4)} specification '${buf}'`);
        return '';
      }
      if (buf[0] === '~') break;
      if (this.defs.size && buf.includes('$')) {
        const replaced = this.replace(buf);
        if (replaced === undefined) break;
        const d = decomment(replaced);
        buf = d.text;
        if (buf[0] === '@' || buf.includes('$')) recheck = true;
      }
    } while (recheck);
    return buf;
  }

  private setDefinition(name: string, value: string): void {
    this.defs.set(name, { value, multiline: false, maxParams: 0 });
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
    this.ml.nextPtr = undefined;
    this.ml.stack.length = 0;
    this.ml.seqDepth = 0;
    return true;
  }

  private replace(line: string): string | undefined {
    return replaceParam(this.defs, this.ml, line, (message, fatal) => (fatal ? this.errors.push({ ...this.where, message }) : this.tolerate(message)));
  }

  /** add_seq() replaces parameters in its numbers, but a multi-line definition there is an error. */
  private replaceInSeq(params: string): { text?: string; multiline: boolean } {
    if (!this.defs.size) return { multiline: false };
    const saved = this.ml.nextPtr;
    const text = this.replace(params);
    if (this.ml.nextPtr === saved) return { text, multiline: false };
    this.ml.nextPtr = saved;
    return { multiline: true };
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

}
