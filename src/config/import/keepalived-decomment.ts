/** Character-level helpers of keepalived's lib/parser.c (v2.2.7). */

export const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
export const isAlnum = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9]$/.test(c);
export const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
export const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
export const skipBlanks = (s: string, i: number) => {
  while (isBlank(s[i])) i++;
  return i;
};

/** strtol(p, &end, 0): sign, 0x hex, leading-0 octal or decimal; no digits gives 0 and p unchanged. */
export function strtol(s: string, i: number): { value: number; end: number } {
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

/** The end of read_line(): the text before the first `{`/`}` outside "..." is this line, the rest the next. */
export function splitAtBrace(line: string): { line: string; residue?: string } {
  let buf = line;
  let residue: string | undefined;
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
    if (rest) residue = rest;
    buf = buf.slice(0, p === 0 ? 1 : p);
  }
  return { line: buf.replace(/[ \t]+$/, ''), residue };
}
