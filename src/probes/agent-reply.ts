/**
 * HAProxy's agent protocol as HAProxy 2.6 reads it (tcpcheck_agent_expect_reply
 * in src/tcpcheck.c, server_parse_weight_change_request in src/server.c): one
 * line ended by the first CR or LF, words separated by spaces, tabs or commas,
 * in any order, the last of each kind winning:
 * - `up`; `down`, `fail`, `stopped` (health, compared without case);
 * - `ready`, `drain`, `maint` (admin state);
 * - a word starting with a digit and holding a `%`: a weight in percent of the
 *   configured one (`75%`), anything else in it a warning, not a weight;
 * - `maxconn:N`;
 * - `#` starts a description (shown, nothing more); any other word is an
 *   error HAProxy reports and otherwise ignores.
 * Pure: bytes in, what the line asks out. Never throws.
 */

/** HAProxy's check buffer (tune.bufsize): a line not ended within it is never read whole. */
export const AGENT_MAX_LINE_BYTES = 16384;

export type AgentHealth = 'up' | 'down' | 'fail' | 'stopped';
export type AgentAdmin = 'ready' | 'drain' | 'maint';

export interface AgentReply {
  /** The line as read (latin1, without its end). */
  line: string;
  /** The last health word. */
  health?: AgentHealth;
  /** The last admin word. */
  admin?: AgentAdmin;
  /** The weight the last `N%` word asks, in percent of the configured weight (0-25600, as HAProxy caps it). */
  weightPercent?: number;
  /** The value of the last `maxconn:` word, when HAProxy would take it. */
  maxconn?: number;
  /** After `#`, leading blanks skipped. */
  description: string;
  /** The first word that is none of the above ("agent reports an error"). */
  error?: string;
  /** Why the last weight or maxconn word was not taken, in HAProxy's words ("agent warns"). */
  warning?: string;
}

/**
 * Where the reply stands after these bytes: `line` once a CR or LF ends it;
 * `wait` while more may come; `never` when no line can come of it: a NUL
 * before the end of the line (HAProxy's scan stops there and waits for a line
 * it cannot complete, until the agent closes or the check times out) or the
 * buffer full without an end (HAProxy: "Ignoring incomplete line from agent").
 */
export function agentLine(buf: Buffer): { state: 'line'; line: string } | { state: 'wait' } | { state: 'never'; why: string } {
  const n = Math.min(buf.length, AGENT_MAX_LINE_BYTES);
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (b === 0x0a || b === 0x0d) return { state: 'line', line: buf.toString('latin1', 0, i) };
    if (b === 0) return { state: 'never', why: 'a NUL byte before the end of the line' };
  }
  return buf.length >= AGENT_MAX_LINE_BYTES ? { state: 'never', why: `no end of line in the first ${AGENT_MAX_LINE_BYTES} bytes` } : { state: 'wait' };
}

/** strcasecmp in the C locale: only ASCII letters fold. */
const lower = (w: string) => w.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
/** Word separators of the reply (`\n` cannot occur: the line ends before it). */
const isSeparator = (c: string | undefined) => c === ' ' || c === '\t' || c === ',';

/** The words of one line (without its CR/LF) as HAProxy takes them. */
export function parseAgentLine(line: string): AgentReply {
  const out: AgentReply = { line, description: '' };
  let weightWord: string | undefined;
  let maxconnWord: string | undefined;
  let i = 0;
  while (i < line.length) {
    if (isSeparator(line[i])) {
      i++;
      continue;
    }
    if (line[i] === '#') {
      i++;
      while (line[i] === ' ' || line[i] === '\t') i++;
      out.description = line.slice(i);
      break;
    }
    let end = i + 1;
    while (end < line.length && !isSeparator(line[end])) end++;
    const word = line.slice(i, end);
    // HAProxy ends the word on its separator and goes on after it.
    i = end + 1;
    const w = lower(word);
    if (w === 'up' || w === 'down' || w === 'stopped' || w === 'fail') out.health = w;
    else if (w === 'ready' || w === 'drain' || w === 'maint') out.admin = w;
    else if (isDigit(word[0]) && word.includes('%')) weightWord = word;
    else if (w.startsWith('maxconn:')) maxconnWord = word.slice('maxconn:'.length);
    else out.error ??= word;
  }
  if (weightWord !== undefined) {
    const w = weightOf(weightWord);
    if (typeof w === 'number') out.weightPercent = w;
    else out.warning = w;
  }
  if (maxconnWord !== undefined) {
    const m = maxconnOf(maxconnWord);
    if (typeof m === 'number') out.maxconn = m;
    else out.warning ??= m;
  }
  return out;
}

/** strtol(s, &end, 10) for a string that starts with digits: the value (LONG_MAX on overflow) and what follows. */
function leadingNumber(s: string): { value: number; rest: string } {
  let end = 0;
  while (isDigit(s[end])) end++;
  return { value: Math.min(Number(s.slice(0, end)), Number.MAX_SAFE_INTEGER), rest: s.slice(end) };
}

/** server_parse_weight_change_request for a word that starts with a digit: the percentage, or HAProxy's complaint. */
function weightOf(word: string): number | string {
  const { value, rest } = leadingNumber(word);
  // Only `N%` with nothing after is relative; anything else is read as an absolute weight, which an agent word never is whole.
  if (rest === '%') return Math.min(value, 25600);
  if (value > 256) return 'Absolute weight can only be between 0 and 256 inclusive.';
  return 'Trailing garbage in weight string';
}

/** server_parse_maxconn_change_request: strtol with optional blanks and sign, nothing after. */
function maxconnOf(s: string): number | string {
  if (!s) return 'Require <maxconn>.';
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)(.*)$/s.exec(s);
  if (!m) return 'maxconn string empty or preceded by garbage';
  if (m[3]) return 'Trailing garbage in maxconn string';
  return Number(`${m[1]}${m[2]}`);
}
