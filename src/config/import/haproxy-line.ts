/**
 * One haproxy.cfg line split into words exactly as HAProxy 2.6's parse_line()
 * (src/tools.c) does when readcfgfile() (src/cfgparse.c) calls it with
 * PARSE_OPT_ENV | DQUOTE | SQUOTE | BKSLASH | SHARP | WORD_EXPAND:
 * - spaces separate words; `#` outside quotes starts a comment; CR or LF ends the line;
 * - double and single quotes group; a backslash escapes ` `, `\`, `#`, `'`, `"`
 *   and means tab/LF/CR for `\t`/`\n`/`\r` and a byte for `\xHH`, everywhere but
 *   inside single quotes; `\$` is a dollar only inside double quotes; any other
 *   `\c` stays as written;
 * - environment variables (configuration.txt 2.3) are expanded only inside
 *   double quotes: `$NAME`, `${NAME}`, `${NAME-default}` (the default replaces
 *   an unset variable, not an empty one), `${NAME[*]}` (split into words on
 *   spaces) and the pseudo-variables `$.FILE`, `$.LINE`, `$.SECTION`.
 */
export interface LineContext {
  env: Readonly<Record<string, string | undefined>>;
  file: string;
  line: number;
  /** The section being parsed, for `$.SECTION` (its name, or its keyword when it has none). */
  section: string;
}

/** `words` up to the first empty one (what keywords read); `all` every word, for `.if`, which joins them again. */
export type LineWords = { words: string[]; all: string[]; error?: undefined } | { words?: undefined; all?: undefined; error: string };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\v' || c === '\f';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
const isAlnum = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9]$/.test(c);

export function splitHaproxyLine(input: string, ctx: LineContext): LineWords {
  // readcfgfile() skips leading spaces before parse_line().
  let i = 0;
  while (isSpace(input[i])) i++;
  const words: string[] = [];
  let cur = '';
  let squote = false;
  let dquote = false;
  let quoteAt = -1;
  const at = (pos: number) => `at position ${pos + 1}`;
  for (;;) {
    const c = input[i];
    if (c === undefined || c === '\n' || c === '\r') break;
    if (c === '#' && !squote && !dquote) break;
    if (c === '"' && !squote) {
      dquote = !dquote;
      quoteAt = dquote ? i : -1;
      i++;
    } else if (c === "'" && !dquote) {
      squote = !squote;
      quoteAt = squote ? i : -1;
      i++;
    } else if (c === '\\' && !squote) {
      const n = input[i + 1];
      let send = '\\';
      if (n === ' ' || n === '\\') send = n, i++;
      else if (n === 't') send = '\t', i++;
      else if (n === 'n') send = '\n', i++;
      else if (n === 'r') send = '\r', i++;
      else if (n === '#' || n === "'" || n === '"') send = n, i++;
      else if (n === '$' && dquote) send = '$', i++;
      else if (n === 'x') {
        if (!isHex(input[i + 2]) || !isHex(input[i + 3])) return { error: `truncated or invalid hexadecimal sequence ${at(i)}` };
        send = String.fromCharCode(parseInt(input.slice(i + 2, i + 4), 16));
        i += 3;
      }
      i++;
      cur += send;
    } else if (isSpace(c) && !squote && !dquote) {
      while (isSpace(input[i])) i++;
      words.push(cur);
      cur = '';
    } else if (c === '$' && dquote) {
      i++;
      let brace = -1;
      if (input[i] === '{') brace = i++;
      const first = input[i];
      if (!isAlpha(first) && first !== '_' && first !== '.') return { error: `forbidden first char in environment variable name ${at(i)}` };
      const start = i;
      if (first === '.') i++;
      while (isAlnum(input[i]) || input[i] === '_') i++;
      const name = input.slice(start, i);
      let value: string | undefined;
      if (name.startsWith('.')) {
        if (name === '.LINE') value = String(ctx.line);
        else if (name === '.FILE') value = ctx.file;
        else if (name === '.SECTION') value = ctx.section;
        else return { error: `forbidden first char in environment variable name ${at(start)} (unknown pseudo-variable ${name})` };
      } else value = ctx.env[name];
      let expand = false;
      if (input[i] === '[' && brace >= 0) {
        if (input[i + 1] !== '*' || input[i + 2] !== ']') return { error: `truncated or invalid word expansion sequence ${at(i)}` };
        expand = true;
        i += 3;
      }
      if (brace >= 0) {
        if (input[i] === '-') {
          const end = input.indexOf('}', i);
          if (end < 0) return { error: `unmatched brace in environment variable name ${at(brace)}` };
          if (value === undefined) value = input.slice(i + 1, end);
          i = end;
        } else if (input[i] !== '}') return { error: `unmatched brace in environment variable name ${at(brace)}` };
        i++;
      }
      for (let k = 0; value !== undefined && k < value.length; k++) {
        if (expand && isSpace(value[k])) {
          words.push(cur);
          cur = '';
          while (isSpace(value[k + 1])) k++;
        } else cur += value[k];
      }
    } else {
      cur += c;
      i++;
    }
  }
  if (squote || dquote) return { error: `unmatched quote ${at(quoteAt)}` };
  words.push(cur);
  // Keywords read their arguments up to the first empty one (`while (*args[cur_arg])`).
  const end = words.indexOf('');
  return { words: end < 0 ? words : words.slice(0, end), all: words };
}
