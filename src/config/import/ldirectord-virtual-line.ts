import { ANY, GLOBAL_ONLY, parseEmailalertstatus, perlTrue, readEmailalert, SERVICES, type ErrorFn, type LdValue, type WarnFn } from './ldirectord-read-values.js';

/** One virtual= block as read_config holds it (%vsrv), filled line by line here. */
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


/** One line of a virtual= block (its leading spaces taken off), as read_config's inner loop reads it into %vsrv. */
export function readVirtualLine(v: LdVirtual, rcmd: string, line: number, raw: string, error: ErrorFn, warn: WarnFn, hint: (s: string) => string): void {
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
