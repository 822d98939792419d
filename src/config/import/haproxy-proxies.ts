import type { ConfigIssue } from '../errors.js';
import type { HaproxySection } from './haproxy-parser.js';
import type { CheckOptions } from './haproxy-checks.js';
import { haproxyTime } from './haproxy-time.js';

/** What a proxy (backend, listen, frontend) inherits from its defaults section, and how haproxy.cfg's sections are walked with it. */
export interface ProxySettings {
  defaultServer: string[];
  check: CheckOptions;
  timeoutCheck?: number;
  timeoutConnect?: number;
  /** `balance` and `hash-type`'s first words: whether HAProxy takes any weight at run time (an agent's `N%`). */
  balance?: string;
  hashType?: string;
}

const CHECK_OPTIONS = ['httpchk', 'tcp-check', 'ssl-hello-chk', 'smtpchk', 'mysql-check', 'pgsql-check', 'ldap-check', 'redis-check'];

const EMPTY: ProxySettings = { defaultServer: [], check: { httpCheck: [], tcpCheck: [] } };

/**
 * A section's settings on top of its defaults section's: the proxy starts as a
 * copy of its defaults (cfgparse-listen.c parse_new_proxy with curr_defproxy),
 * `default-server` adds to the inherited one, and the first `http-check` or
 * `tcp-check` rule of the section replaces the inherited rules.
 */
function settingsFrom(s: HaproxySection, base: ProxySettings, errors: ConfigIssue[]): ProxySettings {
  const out: ProxySettings = { defaultServer: [...base.defaultServer], check: { ...base.check, httpCheck: [...base.check.httpCheck], tcpCheck: [...base.check.tcpCheck] } };
  if (base.timeoutCheck !== undefined) out.timeoutCheck = base.timeoutCheck;
  if (base.timeoutConnect !== undefined) out.timeoutConnect = base.timeoutConnect;
  if (base.balance !== undefined) out.balance = base.balance;
  if (base.hashType !== undefined) out.hashType = base.hashType;
  let ownHttpCheck = false;
  let ownTcpCheck = false;
  for (const d of s.body) {
    if ((d.key === 'no' || d.key === 'default') && d.args[0] === 'option' && CHECK_OPTIONS.includes(d.args[1] ?? '')) {
      // cfgparse-listen.c: HAProxy refuses to start on these.
      errors.push({ file: d.file, line: d.line, path: `${d.key} option`, message: `negation/default is not supported for option '${d.args[1]}'` });
    } else if (d.key === 'default-server') out.defaultServer.push(...d.args);
    else if (d.key === 'option' && d.args[0]) {
      // The last check option of a section wins, as in HAProxy.
      if (CHECK_OPTIONS.includes(d.args[0])) out.check.option = { name: d.args[0], args: d.args.slice(1), line: d.line };
    } else if (d.key === 'http-check') {
      if (!ownHttpCheck) out.check.httpCheck = [];
      ownHttpCheck = true;
      out.check.httpCheck.push(d);
    } else if (d.key === 'tcp-check') {
      if (!ownTcpCheck) out.check.tcpCheck = [];
      ownTcpCheck = true;
      out.check.tcpCheck.push(d);
    } else if ((d.key === 'balance' || d.key === 'hash-type') && d.args[0]) {
      if (d.key === 'balance') out.balance = d.args[0];
      else out.hashType = d.args[0];
    } else if (d.key === 'timeout' && (d.args[0] === 'check' || d.args[0] === 'connect')) {
      const t = haproxyTime(d.args[1]);
      if (t === undefined) errors.push({ file: d.file, line: d.line, path: `timeout ${d.args[0]}`, message: `expected a time like 2s or 500ms, got ${JSON.stringify(d.args[1])}` });
      else if (d.args[0] === 'check') out.timeoutCheck = t;
      else out.timeoutConnect = t;
    }
  }
  return out;
}

/**
 * Each backend and listen section with the settings it inherits: the last
 * `defaults` section before it, or the one it names with `from`
 * (configuration.txt 4 "defaults [<name>] [ from <defaults_name> ]";
 * cfgparse-listen.c cfg_parse_listen). A `defaults` section without `from`
 * starts from HAProxy's built-in defaults, not from the previous one.
 */
export function walkProxies(file: string, sections: HaproxySection[], errors: ConfigIssue[], warnings: string[], each: (s: HaproxySection, settings: ProxySettings) => void): void {
  const named = new Map<string, ProxySettings>();
  let last = EMPTY;
  let lastSection: HaproxySection | undefined;
  const sectionOf = new Map<ProxySettings, HaproxySection>();
  // PR_FL_EXPLICIT_REF / PR_FL_IMPLICIT_REF: HAProxy warns when one defaults section is used both ways.
  const explicit = new Set<ProxySettings>();
  const implicit = new Set<ProxySettings>();
  const use = (s: HaproxySection, base: ProxySettings, how: Set<ProxySettings>) => {
    how.add(base);
    const d = sectionOf.get(base);
    if (d && explicit.has(base) && implicit.has(base)) {
      warnings.push(`${file}:${s.line}: defaults section '${d.name}' (declared at ${file}:${d.line}) is explicitly referenced by another proxy and implicitly used here (HAProxy warns the same and goes on)`);
    }
  };
  const fromOf = (s: HaproxySection, args: string[]): ProxySettings | undefined => {
    if (args[0] !== 'from') return undefined;
    const base = named.get(args[1] ?? '');
    if (!base) errors.push({ file, line: s.line, path: s.kind, message: `defaults section '${args[1] ?? ''}' not found for ${s.kind} '${s.name}'` });
    else use(s, base, explicit);
    return base ?? EMPTY;
  };
  for (const s of sections) {
    if (s.kind === 'defaults') {
      // `defaults from X` has no name; `defaults NAME from X` has one.
      const [name, args] = s.name === 'from' && s.args.length === 1 ? ['', ['from', ...s.args]] : [s.name, s.args];
      last = settingsFrom(s, fromOf(s, args) ?? EMPTY, errors);
      lastSection = s;
      sectionOf.set(last, s);
      if (name) named.set(name, last);
    } else if (s.kind === 'backend' || s.kind === 'listen' || s.kind === 'frontend') {
      const from = fromOf(s, s.args);
      if (!from && lastSection) use(s, last, implicit);
      const settings = settingsFrom(s, from ?? last, errors);
      settings.check.proxy = s.name;
      each(s, settings);
    }
  }
}
