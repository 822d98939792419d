import { skipBlanks, strtol } from './keepalived-decomment.js';

/** keepalived's loop blocks (lib/parser.c v2.2.7 add_seq, add_lst): the rest of the line, once per value. */

/** An open ~SEQ (var, next, step, last) or ~LST (params, values) loop. */
export interface Seq {
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

/** add_seq(): `~SEQ(var, [start,] [step,] end) text`, `~SEQx` writes the numbers in hex. */
export function parseSeq(buf: string, replace: (params: string) => { text?: string; multiline: boolean }, report: (message: string) => void): Seq | undefined {
  let p = 4;
  const hex = buf[p] === 'x';
  if (hex) p++;
  p = skipBlanks(buf, p);
  if (buf[p++] !== '(') return undefined;
  p = skipBlanks(buf, p);
  const varStart = p;
  while (p < buf.length && !' \t,)'.includes(buf[p]!)) p++;
  const name = buf.slice(varStart, p);
  p = skipBlanks(buf, p);
  if (p >= buf.length || buf[p] === ')' || !name) {
    report(`invalid ~SEQ definition '${buf}'`);
    return undefined;
  }
  p = skipBlanks(buf, p + 1);
  const close = buf.indexOf(')', p);
  if (close < 0) return undefined;
  const replaced = replace(buf.slice(p, close + 1));
  if (replaced.multiline) {
    report(`~SEQ parameter is multiline definition '${buf}'`);
    return undefined;
  }
  const args = replaced.text ?? buf.slice(p, close + 1);
  const bad = () => (report(`invalid ~SEQ definition '${buf}'`), undefined);
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
        report(`invalid ~SEQ values '${buf}'`);
        return undefined;
      }
    }
  }
  if (hex && (start < 0 || end < 0)) {
    report(`~SEQx is only valid for positive numbers '${buf}'`);
    return undefined;
  }
  return { var: name, next: start, step, last: end, hex, nextValue: 0, text: buf.slice(skipBlanks(buf, close + 1)) };
}

/** add_lst(): `~LST(var, v1, v2) text` or `~LST({a, b}, {1, 2}, {3, 4}) text`; missing values are empty. */
export function parseLst(buf: string, report: (message: string) => void): Seq | undefined {
  let p = skipBlanks(buf, 4);
  if (buf[p++] !== '(') return undefined;
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
    if (buf[p] !== ',') return undefined;
    p = skipBlanks(buf, p + 1);
  }
  if (buf[p] === '}') p = skipBlanks(buf, p + 1);
  if (buf[p++] !== ',') return undefined;
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
      if (buf[p] !== ',') return undefined;
      p = skipBlanks(buf, p + 1);
      if (set.length > params.length - 1) {
        report(`~LST specification has too many values '${buf}'`);
        return undefined;
      }
    }
    while (set.length < params.length) set.push('');
    values.push(set);
    if (buf[p] === '}' && endChar === '}') p = skipBlanks(buf, p + 1);
    if (buf[p] === ')') break;
    if (buf[p] !== ',') return undefined;
    p = skipBlanks(buf, p + 1);
  }
  if (!params.length || !values.length) return undefined;
  return { next: 0, step: 0, last: 0, hex: false, params, values, nextValue: 0, text: buf.slice(skipBlanks(buf, p + 1)) };
}
