import net from 'node:net';
import type { ConfigIssue } from '../errors.js';

/**
 * A port of ldirectord's read_config (Debian 4.12.0, /usr/sbin/ldirectord),
 * line for line: it decides what belongs to which virtual, which lines are
 * refused and what value each directive keeps, exactly as ldirectord's
 * regular expressions do. Resolution (host and service names) and the
 * defaults ld_setup fills in are left to the builder (ldirectord.ts).
 *
 * What read_config does that is easy to get wrong, each followed here:
 * - Only a line starting `virtual=`/`virtual6=` in column 0 opens a virtual.
 *   Inside it each line has its tabs replaced by 4 spaces (`s/\t/    /g`,
 *   not tab stops) and belongs to the virtual when 4 or more spaces lead
 *   it (`/^ {4,}(.+)/`): ` \t` is 5 spaces, `   ` (3) is not. The first line
 *   that does not ends the virtual, a blank line included, and is read
 *   again as a global line; a global line must start in column 0, so an
 *   indented line after a blank one is an unknown command.
 * - A comment line (`^\s*#`, at any indentation) inside a virtual is skipped
 *   and does not end it; any other `#` cuts the rest of the line, even in
 *   quotes. Global lines are not cut: `checktimeout=5 # s` is 5 because
 *   numbers take their first digits, but `quiescent=yes # s` is refused.
 * - Directive names are case-sensitive, `=` is required, trailing spaces
 *   (and a DOS line end's \r) stay in the value: yes/no directives compare
 *   the whole value, numbers take the first run of digits, request,
 *   receive, login, passwd, database, secret, load and a global logfile
 *   and callback need double quotes.
 * - config_error is fatal in ldirectord (it exits at start, keeps the old
 *   config on reload): each is an error here. config_warn is a warning it
 *   carries on past: each is a tolerated issue here.
 */

/** A value as read_config stored it, with the line and the directive as written. */
export interface LdValue {
  value: string;
  line: number;
  key: string;
}

export interface LdVirtual {
  key: 'virtual' | 'virtual6';
  line: number;
  af: 4 | 6;
  /** What follows `virtual=`, as written. */
  spec: string;
  /** `host:port` as written (ip_port), or undefined for a fwmark. */
  ipPort?: { host: string; port: string };
  fwm?: number;
  /** %vsrv as read_config set it: only what the file set (defaults are the builder's). */
  set: Map<string, LdValue>;
  /** checktype=N: num_connects. */
  numConnects?: number;
  /** @rsrv_todo: the text after `real=` and its line. */
  reals: LdValue[];
  /** The line of the last line read for this virtual (duplicate virtual errors point there, as read_config's do). */
  lastLine: number;
}

export interface LdRead {
  globals: Map<string, LdValue>;
  /** `execute=` may be given more than once. */
  execute: LdValue[];
  virtuals: LdVirtual[];
  errors: ConfigIssue[];
  tolerated: ConfigIssue[];
}

/** Perl truth of a string: false only for "" and "0". */
const perlTrue = (s: string | undefined): s is string => s !== undefined && s !== '' && s !== '0';

const SERVICES = new Set(['dns', 'ftp', 'http', 'https', 'http_proxy', 'imap', 'imaps', 'ldap', 'ldaps', 'nntp', 'mysql', 'none', 'oracle', 'pop', 'pops', 'radius', 'pgsql', 'sip', 'smtp', 'submission', 'simpletcp']);
const STATUSES = new Set(['none', 'all', 'starting', 'stopping', 'running', 'reloading']);

/** read_config's `.`: Perl's dot is anything but \n, and a line here has none (JS's dot would also stop at \r). */
const ANY = '[^\\n]';

export function readLdirectordConfig(file: string, text: string): LdRead {
  const errors: ConfigIssue[] = [];
  const tolerated: ConfigIssue[] = [];
  const globals = new Map<string, LdValue>();
  const execute: LdValue[] = [];
  const virtuals: LdVirtual[] = [];
  const error = (line: number, key: string | undefined, message: string) => void errors.push({ file, line, ...(key ? { path: key } : {}), message });
  const warn = (line: number, key: string, message: string) => void tolerated.push({ file, line, path: key, message });
  const hint = (value: string) => (/\r$/.test(value) ? ' (the line ends in \\r: the file has DOS line endings, which ldirectord does not strip)' : /\s$/.test(value) ? ' (ldirectord keeps the trailing spaces in the value)' : '');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  while (i < lines.length) {
    let linedata: string = lines[i]!;
    let line = ++i;
    // outer_loop: a line that ends a virtual is read again from here.
    for (;;) {
      const vm = new RegExp(`^virtual(6)?\\s*=\\s*(${ANY}*)`).exec(linedata);
      if (vm) {
        const v = readVirtualHead(vm[1] ? 6 : 4, vm[2]!, line, error);
        virtuals.push(v);
        let ended: { data: string; line: number } | undefined;
        while (i < lines.length) {
          const raw = lines[i]!;
          const ln = ++i;
          v.lastLine = ln;
          if (/^\s*#/.test(raw)) continue;
          const s = raw.replace(/#[^\n]*/, '').replace(/\t/g, '    ');
          const m = new RegExp(`^ {4,}(${ANY}+)`).exec(s);
          if (!m) {
            ended = { data: raw, line: ln };
            break;
          }
          readVirtualLine(v, m[1]!, ln, raw, error, warn, hint);
        }
        if (!ended) break;
        linedata = ended.data;
        line = ended.line;
        continue;
      }
      if (/^\s*$/.test(linedata) || /^\s*#/.test(linedata)) break;
      readGlobalLine(linedata, line, globals, execute, error, warn, hint);
      break;
    }
  }
  return { globals, execute, virtuals, errors, tolerated };
}

type ErrorFn = (line: number, key: string | undefined, message: string) => void;
type WarnFn = (line: number, key: string, message: string) => void;

function readVirtualHead(af: 4 | 6, vattr: string, line: number, error: ErrorFn): LdVirtual {
  const key = af === 6 ? 'virtual6' : 'virtual';
  const v: LdVirtual = { key, line, af, spec: vattr.trim(), set: new Map(), reals: [], lastLine: line };
  let m: RegExpExecArray | null;
  if ((m = /^(\d+\.\d+\.\d+\.\d+):([0-9A-Za-z-_]+)/.exec(vattr)) && af === 4) v.ipPort = { host: m[1]!, port: m[2]! };
  else if ((m = /^([0-9A-Za-z._+-]+):([0-9A-Za-z-_]+)/.exec(vattr))) v.ipPort = { host: m[1]!, port: m[2]! };
  // `virtual=10.0.0.1` (no port) is the fwmark 10 to read_config: its leading digits.
  else if ((m = /^(\d+)/.exec(vattr))) v.fwm = Number(m[1]);
  else if ((m = /^\[([0-9A-Fa-f:]+)\]:([0-9A-Za-z-_]+)/.exec(vattr))) {
    if (af === 4) error(line, key, 'cannot specify an IPv6 address here: use "virtual6" instead');
    else if (!net.isIPv6(m[1]!)) error(line, key, 'invalid ipv6 address for virtual server');
    else v.ipPort = { host: `[${m[1]}]`, port: m[2]! };
  } else error(line, key, `invalid address for virtual server: ${JSON.stringify(vattr)}`);
  return v;
}

function readVirtualLine(v: LdVirtual, rcmd: string, line: number, raw: string, error: ErrorFn, warn: WarnFn, hint: (s: string) => string): void {
  const set = (key: string, value: string) => void v.set.set(key, { value, line, key });
  const re = (src: string) => new RegExp(src.replace(/\(\.\*\)/g, `(${ANY}*)`).replace(/\(\.\+\)/g, `(${ANY}+)`));
  const quoted = (key: string) => re(`^${key}\\s*=\\s*"(.*)"`).exec(rcmd);
  const plain = (key: string) => re(`^${key}\\s*=\\s*(.*)`).exec(rcmd);
  const yesNo = (key: string, m: RegExpExecArray) => {
    if (m[1] === 'yes' || m[1] === 'no') set(key, m[1]);
    else error(line, key, `${key} must be 'yes' or 'no', got ${JSON.stringify(m[1])}${hint(m[1]!)}`);
  };
  /** `$1 =~ /(\d+)/ && $1`: the first digits, which must not be "0". */
  const count = (key: string, m: RegExpExecArray, what: string) => {
    const d = /(\d+)/.exec(m[1]!)?.[1];
    if (perlTrue(d)) set(key, d);
    else error(line, key, `invalid ${what}: ${JSON.stringify(m[1])}`);
  };
  let m: RegExpExecArray | null;
  if ((m = /^(real(6)?)\s*=\s*([^\n]*)/.exec(rcmd))) {
    if ((v.af === 4 && m[2]) || (v.af === 6 && !m[2])) error(line, m[1], `cannot specify "${m[1]}" here: use "real${v.af === 4 ? '' : '6'}" instead`);
    v.reals.push({ value: m[3]!, line, key: m[1]! });
  } else if ((m = quoted('request'))) {
    if (!m[1]) return error(line, 'request', 'no request string specified');
    set('request', m[1].startsWith('/') ? m[1] : `/${m[1]}`);
  } else if ((m = quoted('receive'))) {
    if (!m[1]) return error(line, 'receive', 'invalid receive string');
    set('receive', m[1]);
  } else if ((m = plain('checktype'))) {
    const digits = /(\d+)/.exec(m[1]!)?.[1];
    const word = /([\w-]+)/.exec(m[1]!)?.[1];
    // A checktype with digits anywhere is "combined": N connect checks, then a negotiate one.
    if (digits !== undefined) {
      v.numConnects = Number(digits);
      set('checktype', 'combined');
    } else if (word && ['connect', 'negotiate', 'ping', 'off', 'on', 'external', 'external-perl'].includes(word)) set('checktype', word);
    else error(line, 'checktype', `checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number, got ${JSON.stringify(m[1])}`);
  } else if ((m = quoted('checkcommand') ?? plain('checkcommand'))) {
    if (!m[1]) return error(line, 'checkcommand', 'invalid check command');
    set('checkcommand', m[1]);
  } else if ((m = plain('checktimeout'))) count('checktimeout', m, 'check timeout');
  else if ((m = plain('connecttimeout'))) error(line, 'connecttimeout', 'connecttimeout directive deprecated in favour of negotiatetimeout');
  else if ((m = plain('negotiatetimeout'))) count('negotiatetimeout', m, 'negotiate timeout');
  else if ((m = plain('checkcount'))) {
    count('checkcount', m, 'check count');
    warn(line, 'checkcount', "checkcount option is deprecated and slated for removal.  please see 'failurecount'");
  } else if ((m = plain('failurecount'))) count('failurecount', m, 'failure count');
  else if ((m = plain('checkinterval'))) count('checkinterval', m, 'checkinterval');
  else if ((m = plain('checkport'))) {
    const d = /(\d+)/.exec(m[1]!)?.[1];
    if (d === undefined) return error(line, 'checkport', `invalid port: ${JSON.stringify(m[1])}`);
    if (!(Number(d) > 0 && Number(d) < 65536)) return error(line, 'checkport', 'checkport must be in range 1..65536');
    set('checkport', d);
  } else if ((m = quoted('login'))) m[1] ? set('login', m[1]) : error(line, 'login', 'invalid login string');
  else if ((m = quoted('passwd'))) m[1] ? set('passwd', m[1]) : error(line, 'passwd', 'invalid password');
  else if ((m = quoted('database'))) m[1] ? set('database', m[1]) : error(line, 'database', 'invalid database');
  else if ((m = quoted('secret'))) m[1] ? set('secret', m[1]) : error(line, 'secret', 'invalid secret');
  else if ((m = quoted('load'))) {
    const w = /(\w+)/.exec(m[1]!)?.[1];
    w ? set('load', w) : error(line, 'load', 'invalid string for load testing');
  } else if ((m = plain('scheduler'))) {
    // read_config takes any run of lower-case letters (ipvsadm says whether the scheduler exists).
    const s = /([a-z]+)/.exec(m[1]!)?.[1];
    s ? set('scheduler', s) : error(line, 'scheduler', `invalid scheduler, should be only lowercase letters (a-z), got ${JSON.stringify(m[1])}`);
  } else if ((m = plain('persistent'))) {
    const d = /(\d+)/.exec(m[1]!)?.[1];
    d !== undefined ? set('persistent', d) : error(line, 'persistent', `invalid persistent timeout: ${JSON.stringify(m[1])}`);
  } else if ((m = plain('schedflags'))) {
    const s = /(\S+)/.exec(m[1]!)?.[1];
    s ? set('schedflags', s) : error(line, 'schedflags', 'invalid sched-flags');
  } else if ((m = plain('netmask'))) {
    const val = m[1]!;
    if (v.af === 6 ? !/^\d+$/.test(val) || Number(val) < 1 || Number(val) > 128 : !/^\d+\.\d+\.\d+\.\d+$/.test(val)) {
      return error(line, 'netmask', `invalid netmask: ${v.af === 6 ? 'a prefix length between 1 and 128' : 'dotted quad notation'} is required, got ${JSON.stringify(val)}${hint(val)}`);
    }
    set('netmask', val);
  } else if ((m = plain('protocol'))) {
    const p = /(\w+)/.exec(m[1]!)?.[1];
    if (!p) return error(line, 'protocol', 'invalid protocol');
    if (v.fwm !== undefined) p === 'fwm' ? set('protocol', 'fwm') : error(line, 'protocol', 'protocol must be fwm if the virtual service is a fwmark (a number)');
    else if (p === 'tcp' || p === 'udp') set('protocol', p);
    else error(line, 'protocol', `protocol must be tcp or udp if the virtual service is an address and port, got ${JSON.stringify(p)}`);
  } else if ((m = plain('ops'))) yesNo('ops', m);
  else if ((m = plain('service'))) {
    const s = /(\w+)/.exec(m[1]!)?.[1];
    if (!s || !SERVICES.has(s)) return error(line, 'service', `service must be dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, mysql, nntp, none, oracle, pop, pops, radius, pgsql, simpletcp, sip, smtp or submission, got ${JSON.stringify(m[1])}`);
    set('service', s);
    // The anonymous ftp login and sip user are set when service= is read, and only when login/passwd are not set yet.
    if (s === 'ftp' && !v.set.has('login')) set('login', 'anonymous');
    else if (s === 'sip' && !v.set.has('login')) set('login', 'ldirectord@HOSTNAME');
    if (s === 'ftp' && !v.set.has('passwd')) set('passwd', 'ldirectord@HOSTNAME');
  } else if ((m = plain('httpmethod'))) {
    const w = /(\w+)/.exec(m[1]!)?.[1]?.toUpperCase();
    w === 'GET' || w === 'HEAD' ? set('httpmethod', w) : error(line, 'httpmethod', `httpmethod must be GET or HEAD, got ${JSON.stringify(m[1])}`);
  } else if ((m = plain('virtualhost'))) set('virtualhost', /"?([^"]*)"?/.exec(m[1]!)![1]!);
  else if ((m = /^(fallback(6)?)\s*=\s*([^\n]*)/.exec(rcmd))) {
    if ((v.af === 4 && m[2]) || (v.af === 6 && !m[2])) return error(line, m[1], `cannot specify "${m[1]}" here: use "fallback${v.af === 4 ? '' : '6'}" instead`);
    v.set.set('fallback', { value: m[3]!, line, key: m[1]! });
  } else if ((m = quoted('fallbackcommand') ?? plain('fallbackcommand'))) m[1] ? set('fallbackcommand', m[1]) : error(line, 'fallbackcommand', 'invalid fallback command');
  else if ((m = plain('quiescent'))) yesNo('quiescent', m);
  else if ((m = plain('emailalert'))) {
    const a = readEmailalert(m[1]!);
    a ? set('emailalert', a) : error(line, 'emailalert', 'no email address specified');
  } else if ((m = /^emailalertfreq\s*=\s*(\d*)/.exec(rcmd))) m[1] ? set('emailalertfreq', m[1]) : error(line, 'emailalertfreq', 'invalid email alert frequency');
  else if ((m = plain('emailalertstatus'))) {
    const bad = parseEmailalertstatus(m[1]!);
    bad ? error(line, 'emailalertstatus', bad) : set('emailalertstatus', m[1]!);
  } else if ((m = quoted('monitorfile') ?? plain('monitorfile'))) set('monitorfile', m[1]!);
  else if ((m = plain('cleanstop'))) yesNo('cleanstop', m);
  else if ((m = plain('smtp'))) {
    const h = /^([0-9A-Za-z._+-]+)/.exec(m[1]!)?.[1];
    h ? set('smtp', h) : error(line, 'smtp', 'invalid SMTP server address');
  } else if ((m = plain('servicename'))) set('servicename', m[1]!);
  else if ((m = plain('comment'))) set('comment', m[1]!);
  else {
    const key = /^\s*([A-Za-z0-9_]+)/.exec(raw)?.[1];
    const why = key && GLOBAL_ONLY.has(key) ? ` (${key} is a global directive: do not indent it)`
      : key && key !== key.toLowerCase() ? ' (directive names are case-sensitive)'
      : /^\s*(request|receive|login|passwd|database|secret|load)\s*=/.test(rcmd) ? ' (its value must be in double quotes)'
      : /^\s*$/.test(rcmd) ? ' (a line of spaces only; a blank line ends the virtual)' : '';
    error(line, key, `Unknown command ${JSON.stringify(raw)}${why}`);
  }
}

function readGlobalLine(linedata: string, line: number, globals: Map<string, LdValue>, execute: LdValue[], error: ErrorFn, warn: WarnFn, hint: (s: string) => string): void {
  const set = (key: string, value: string) => void globals.set(key, { value, line, key });
  const plain = (key: string) => new RegExp(`^${key}\\s*=\\s*(${ANY}*)`).exec(linedata);
  const yesNo = (key: string, m: RegExpExecArray) => {
    if (m[1] === 'yes' || m[1] === 'no') set(key, m[1]);
    else error(line, key, `${key} must be 'yes' or 'no', got ${JSON.stringify(m[1])}${hint(m[1]!)}`);
  };
  const count = (key: string, m: RegExpExecArray, what: string, positive: boolean) => {
    const d = /(\d+)/.exec(m[1]!)?.[1];
    if (perlTrue(d) && (!positive || Number(d) > 0)) set(key, d);
    else error(line, key, `invalid ${what}: ${JSON.stringify(m[1])}`);
  };
  let m: RegExpExecArray | null;
  if ((m = plain('checktimeout'))) count('checktimeout', m, 'check timeout value', true);
  else if ((m = plain('connecttimeout'))) error(line, 'connecttimeout', 'connecttimeout directive deprecated in favour of negotiatetimeout');
  else if ((m = plain('negotiatetimeout'))) count('negotiatetimeout', m, 'negotiate timeout value', true);
  else if ((m = plain('checkinterval'))) count('checkinterval', m, 'check interval value', false);
  else if ((m = plain('checkcount'))) {
    count('checkcount', m, 'check count value', false);
    warn(line, 'checkcount', "checkcount option is deprecated and slated for removal.  please see 'failurecount'");
  } else if ((m = plain('failurecount'))) count('failurecount', m, 'failure count value', false);
  else if ((m = new RegExp(`^(fallback(6)?)\\s*=\\s*(${ANY}*)`).exec(linedata))) globals.set(m[1]!, { value: m[3]!, line, key: m[1]! });
  else if ((m = plain('fallbackcommand'))) m[1] ? set('fallbackcommand', m[1]) : error(line, 'fallbackcommand', 'invalid fallback command');
  else if ((m = plain('autoreload'))) yesNo('autoreload', m);
  else if ((m = new RegExp(`^callback\\s*=\\s*"(${ANY}*)"`).exec(linedata))) set('callback', m[1]!);
  else if ((m = new RegExp(`^logfile\\s*=\\s*"(${ANY}*)"`).exec(linedata))) set('logfile', m[1]!);
  else if ((m = plain('execute'))) execute.push({ value: m[1]!, line, key: 'execute' });
  else if ((m = plain('fork'))) yesNo('fork', m);
  else if (/^supervised/.test(linedata)) {
    if ((m = plain('supervised')) && (m[1] === 'yes' || m[1] === 'no')) set('supervised', m[1]);
    else if (/^supervised\s*$/.test(linedata)) {
      set('supervised', 'yes');
      warn(line, 'supervised', 'please update your config not to use a bare supervised directive');
    } else error(line, 'supervised', "supervised must be 'yes' or 'no'");
  } else if ((m = plain('quiescent'))) yesNo('quiescent', m);
  else if ((m = plain('readdquiescent'))) yesNo('readdquiescent', m);
  else if ((m = plain('emailalert'))) {
    const a = readEmailalert(m[1]!);
    a ? set('emailalert', a) : error(line, 'emailalert', 'no email address specified');
  } else if ((m = /^emailalertfreq\s*=\s*(\d*)/.exec(linedata))) m[1] ? set('emailalertfreq', m[1]) : error(line, 'emailalertfreq', 'invalid email alert frequency');
  else if ((m = plain('emailalertstatus'))) {
    const bad = parseEmailalertstatus(m[1]!);
    bad ? error(line, 'emailalertstatus', bad) : set('emailalertstatus', m[1]!);
  } else if ((m = plain('emailalertfrom'))) m[1] ? set('emailalertfrom', m[1]) : error(line, 'emailalertfrom', 'no email from address specified');
  else if ((m = plain('cleanstop'))) yesNo('cleanstop', m);
  else if ((m = plain('smtp'))) {
    const h = /^([0-9A-Za-z._+-]+)/.exec(m[1]!)?.[1];
    h ? set('smtp', h) : error(line, 'smtp', 'invalid SMTP server address');
  } else if ((m = plain('maintenancedir'))) m[1] ? set('maintenancedir', m[1]) : error(line, 'maintenancedir', 'maintenance directory not specified');
  else if ((m = plain('timeout'))) error(line, 'timeout', 'timeout directive deprecated in favour of checktimeout and negotiatetimeout');
  else {
    const key = /^\s*([A-Za-z0-9_]+)/.exec(linedata)?.[1];
    const why = /^\s/.test(linedata)
      ? ' (a global directive starts in column 0; a line of a virtual needs 4 or more leading spaces or a tab, and a blank line or a line indented less ends the virtual)'
      : key && VIRTUAL_ONLY.has(key) ? ` (${key} belongs inside a virtual= block: indent it)` : '';
    error(line, key, `Unknown command ${JSON.stringify(linedata)}${why}`);
  }
}

const GLOBAL_ONLY = new Set(['autoreload', 'callback', 'logfile', 'execute', 'fork', 'supervised', 'readdquiescent', 'maintenancedir', 'emailalertfrom']);
const VIRTUAL_ONLY = new Set(['real', 'real6', 'request', 'receive', 'checktype', 'checkcommand', 'checkport', 'login', 'passwd', 'database', 'secret', 'load', 'scheduler', 'persistent', 'schedflags', 'netmask', 'protocol', 'ops', 'service', 'httpmethod', 'virtualhost', 'monitorfile', 'servicename', 'comment']);

/** read_emailalert: enclosing double quotes are stripped. */
function readEmailalert(addr: string): string {
  return addr.replace(/^"([^"]*)"$/, '$1');
}

/** parse_emailalertstatus: a comma list of all, none, starting, running, stopping, reloading; none alone. */
function parseEmailalertstatus(arg: string): string | undefined {
  const s = arg.split(/\s*,\s*/);
  const none = s.includes('none');
  for (const i of s) {
    if (i === 'none') continue;
    if (!STATUSES.has(i)) return `invalid email alert status at: ${JSON.stringify(i)}`;
    if (none) return `invalid email alert status: ${JSON.stringify(i)} specified with "none"`;
  }
  return undefined;
}

/** parse_fallback: `host[:port] [gate|masq|ipip]`; with no port, the virtual's (a global fallback takes each virtual's). */
export function parseFallback(text: string): { server: string; port: string | undefined; forward: string } | string {
  let parse = text;
  let fwd: string | undefined;
  const m = /(\S+)(\s+(\S+))?\s*$/.exec(parse);
  if (m) {
    fwd = m[3];
    parse = m[1]!;
  }
  const p = /(:(\d+|[A-Za-z0-9-_]+))?$/.exec(parse)!;
  const port = p[2];
  const server = parse.replace(/(:(\d+|[A-Za-z0-9-_]+))?$/, '');
  if (fwd && fwd !== 'gate' && fwd !== 'masq' && fwd !== 'ipip') return `forward method must be gate, masq or ipip, got ${JSON.stringify(fwd)}`;
  return { server, port, forward: fwd ?? 'gate' };
}

/** The real= parts _ld_read_config_real_resolve and add_real_server take out, with their regexes. */
export interface LdReal {
  ip1: string;
  ip2: string | undefined;
  port: string;
  forward: string;
  weight: number;
  request?: string;
  receive?: string;
}

export function parseReal(str: string): LdReal | string {
  const m = /(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\])(->(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\]))?(:(\d+|[A-Za-z0-9-_]+))?\s+([^\n]*)/.exec(str);
  if (!m) return `invalid address for real server (wrong format): ${JSON.stringify(str)}${/\s/.test(str) ? '' : ' (a forwarding method, gate, masq or ipip, must follow the address)'}`;
  let flags = m[6]!;
  const f = /(\w+)([^\n]*)/.exec(flags);
  if (!f || !['gate', 'masq', 'ipip'].includes(f[1]!)) return `forward method must be gate, masq or ipip, got ${JSON.stringify(flags)}`;
  const real: LdReal = { ip1: m[1]!, ip2: m[3], port: m[5] ?? '0', forward: f[1]!, weight: 1 };
  flags = f[2]!;
  let w: RegExpExecArray | null;
  if ((w = /\s+(\d+)([^\n]*)/.exec(flags))) {
    real.weight = Number(w[1]);
    flags = w[2]!;
  }
  if ((w = /\s+"([^\n]*)"[, ]\s*"([^\n]*)"([^\n]*)/.exec(flags))) {
    real.request = w[1]!.startsWith('/') ? w[1]! : `/${w[1]}`;
    real.receive = w[2]!;
    flags = w[3]!;
  }
  // l:N and u:N are ipvsadm's connection thresholds.
  if ((w = /\s+l:(\d+)([^\n]*)/.exec(flags))) flags = w[2]!;
  if ((w = /\s+u:(\d+)([^\n]*)/.exec(flags))) flags = w[2]!;
  if (/\S/.test(flags)) return `Invalid real server line, around ${JSON.stringify(flags)}`;
  return real;
}

/** The connection thresholds of a real= line, which rsguard does not set. */
export function realThresholds(str: string): string[] {
  return [...str.matchAll(/\s([lu]:\d+)/g)].map((x) => x[1]!);
}
