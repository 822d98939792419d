/**
 * keepalived's two word splitters (lib/parser.c, v2.2.7).
 *
 * - splitWords is alloc_strvec_r: what every keyword handler sees. Words
 *   are separated by white space; "..." is one word without its quotes; an
 *   unquoted word also ends at a `"`. Single quotes and backslashes are
 *   ordinary characters.
 * - splitCommand is alloc_strvec_quoted_escaped: what keepalived re-reads
 *   script lines with (misc_path, notify_up/down, quorum_up/down,
 *   vrrp_script script, notify*). Single and double quotes group and may
 *   sit in the middle of a word (a"b c"d is one word), backslash escapes as
 *   in C (\n, \t, \x41, \101, \cA, \" ...).
 */

const WHITE = ' \t\f\n\r\v';

export interface SplitResult {
  words: string[];
  /** keepalived's complaint when the string cannot be split (it then gets no words). */
  error?: string;
}

export function splitWords(line: string): SplitResult {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && WHITE.includes(line[i]!)) i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      // report_config_error "Unmatched quote": the words so far are kept, the rest dropped.
      if (end < 0) return { words, error: `unmatched quote: '${line}'` };
      words.push(line.slice(i + 1, end));
      i = end + 1;
    } else {
      const start = i;
      while (i < line.length && !WHITE.includes(line[i]!) && line[i] !== '"') i++;
      words.push(line.slice(start, i));
    }
  }
  return { words };
}

const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export function splitCommand(src: string): SplitResult {
  const words: string[] = [];
  let quote = '';
  let i = 0;
  while (i < src.length) {
    while (i < src.length && WHITE.includes(src[i]!)) i++;
    if (i >= src.length) break;
    let word = '';
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') {
        i++;
        if (i >= src.length) return { words: [], error: `missing escape char at end: '${src}'` };
        if (src[i] === 'x' && isHex(src[i + 1])) {
          // keepalived keeps the low 8 bits of however many hex digits follow (op_char is a char).
          let v = 0;
          i++;
          while (isHex(src[i])) v = ((v << 4) | parseInt(src[i++]!, 16)) & 0xff;
          word += String.fromCharCode(v);
        } else if (src[i] === 'c' && i + 1 < src.length) {
          word += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (src[i]! >= '0' && src[i]! <= '7') {
          let v = 0;
          for (let n = 0; n < 3 && src[i]! >= '0' && src[i]! <= '7'; n++) v = v * 8 + Number(src[i++]);
          word += String.fromCharCode(v & 0xff);
        } else {
          word += SIMPLE_ESCAPES[src[i]!] ?? src[i]!;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (WHITE.includes(c)) break;
      word += c;
      i++;
    }
    if (quote) return { words: [], error: `string '${src}': missing terminating ${quote}` };
    words.push(word);
  }
  return { words };
}

export interface ScriptLine {
  /** The argv keepalived execs (no shell); undefined when keepalived could not parse it and ignores the keyword. */
  argv?: string[];
  /** Words after the script (notify_script_init: user and group to run it as). */
  extra: string[];
  error?: string;
}

/**
 * A script keyword's line as keepalived reads it (notify.c
 * notify_script_init / set_script_params_array, check_misc.c
 * misc_path_handler): the raw line is split with the quoted, escaped
 * splitter, its second word is the script, and that word is split again
 * the same way into the argv. So `misc_path "sh -c 'test -f a && ! b'"`
 * runs sh with two arguments, and an unquoted `misc_path /bin/x arg` runs
 * /bin/x alone (arg is read as a user name by notify scripts).
 */
export function scriptLine(raw: string): ScriptLine {
  const line = splitCommand(raw);
  if (line.error) return { extra: [], error: line.error };
  if (line.words.length < 2) return { extra: [], error: 'no script given' };
  const script = splitCommand(line.words[1]!);
  if (script.error || !script.words.length) return { extra: line.words.slice(2), error: script.error ?? 'empty script' };
  return { argv: script.words, extra: line.words.slice(2) };
}
