import net from 'node:net';
import { formatHostPort } from '../../lib/address.js';
import type { ConfigIssue } from '../errors.js';
import { type Directive, type HostNames, type ImportResult } from './imported.js';
import { parseHaproxy, type HaproxySection } from './haproxy-parser.js';
import { queryKey, resolveNames, type Lookup, type NameAnswers, type NameQuery, type ResolversDef } from './haproxy-resolve.js';
import type { CheckOptions } from './haproxy-checks.js';
import { server, serverGlobals } from './haproxy-server.js';
import { haproxyTime } from './haproxy-time.js';

export { haproxyTime };

interface ProxySettings {
  defaultServer: string[];
  check: CheckOptions;
  timeoutCheck?: number;
  timeoutConnect?: number;
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
    } else if (d.key === 'timeout' && (d.args[0] === 'check' || d.args[0] === 'connect')) {
      const t = haproxyTime(d.args[1]);
      if (t === undefined) errors.push({ file: d.file, line: d.line, path: `timeout ${d.args[0]}`, message: `expected a time like 2s or 500ms, got ${JSON.stringify(d.args[1])}` });
      else if (d.args[0] === 'check') out.timeoutCheck = t;
      else out.timeoutConnect = t;
    }
  }
  return out;
}

export interface HaproxyImportOptions {
  /** Environment for `"${NAME}"` (configuration.txt 2.3); process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Answers for the servers' host names (haproxy-resolve.ts); without them every name fails to resolve. */
  answers?: NameAnswers;
}

const DEFAULT_HOLD_VALID = 10_000;

/** `resolvers NAME` sections: their `hold valid` and nameservers (configuration.txt 5.3.2). */
function resolversOf(sections: HaproxySection[]): Map<string, ResolversDef> {
  const out = new Map<string, ResolversDef>();
  for (const s of sections.filter((x) => x.kind === 'other' && x.name.startsWith('resolvers '))) {
    const id = s.name.slice('resolvers '.length);
    const hold = s.body.find((d) => d.key === 'hold' && d.args[0] === 'valid');
    const nameservers = s.body.filter((d) => d.key === 'nameserver' && d.args[1]).map((d) => d.args[1]!.replace(/^(udp@|ipv4@|ipv6@|udp4@|udp6@)/, ''));
    out.set(id, { id, holdValidMs: haproxyTime(hold?.args[1]) ?? DEFAULT_HOLD_VALID, nameservers });
  }
  return out;
}

/** The last value of `key` on a server line, after its default-server's (the server's own win). */
function lastValue(words: readonly string[], key: string): string | undefined {
  const i = words.lastIndexOf(key);
  return i >= 0 ? words[i + 1] : undefined;
}

/** `host[:port]` of a server address, with HAProxy's address prefixes (configuration.txt 11) taken off. */
function splitServerAddress(addr: string): { host: string; port: string | undefined; family?: 'ipv4' | 'ipv6' } {
  const prefix = /^(ipv4|ipv6|tcp|tcp4|tcp6)@/.exec(addr)?.[1];
  const rest = prefix ? addr.slice(prefix.length + 1) : addr;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracket) return { host: bracket[1]!, port: bracket[2] };
  if (net.isIPv6(rest)) return { host: rest, port: undefined };
  const colon = rest.lastIndexOf(':');
  const family = prefix === 'ipv4' || prefix === 'tcp4' ? 'ipv4' : prefix === 'ipv6' || prefix === 'tcp6' ? 'ipv6' : undefined;
  return { host: colon >= 0 ? rest.slice(0, colon) : rest, port: colon >= 0 ? rest.slice(colon + 1) : undefined, ...(family ? { family } : {}) };
}

/** One `server` line, or each server of a `server-template` line (`server-template srv 1-3 host:80`: srv1, srv2, srv3). */
interface ServerLine {
  d: Directive;
  name: string;
  host: string;
  port: string | undefined;
  /** Its place in a server-template (0 for a plain server): it takes that answer of the name's. */
  index: number;
  query?: NameQuery;
  initAddr: string[];
}

function serverLines(s: HaproxySection, settings: ProxySettings, resolvers: Map<string, ResolversDef>, errors: ConfigIssue[]): ServerLine[] {
  const out: ServerLine[] = [];
  for (const d of s.body) {
    let names: string[];
    let addr: string | undefined;
    let rest: string[];
    if (d.key === 'server') {
      [addr, ...rest] = d.args.slice(1);
      names = [d.args[0] ?? ''];
    } else if (d.key === 'server-template') {
      // cfgparse-listen.c / server.c _srv_parse_init: <num> is 1..num, <low>-<high> is low..high.
      const m = /^(\d+)(?:-(\d+))?$/.exec(d.args[1] ?? '');
      const [low, high] = m ? (m[2] ? [Number(m[1]), Number(m[2])] : [1, Number(m[1])]) : [0, -1];
      if (!m || low > high || low < 0) {
        errors.push({ file: d.file, line: d.line, path: 'server-template', message: `server-template expects <prefix> <num | range> <fqdn>[:<port>], got ${JSON.stringify(d.args.slice(0, 3).join(' '))}` });
        continue;
      }
      names = Array.from({ length: high - low + 1 }, (_, k) => `${d.args[0]}${low + k}`);
      [addr, ...rest] = d.args.slice(2);
    } else continue;
    if (!addr) {
      out.push({ d, name: names[0]!, host: '', port: undefined, index: 0, initAddr: [] });
      continue;
    }
    const words = [...settings.defaultServer, ...rest];
    const { host, port, family } = splitServerAddress(addr);
    const resolversId = lastValue(words, 'resolvers');
    const section = resolversId === undefined ? undefined : resolvers.get(resolversId);
    if (resolversId !== undefined && !section) errors.push({ file: d.file, line: d.line, path: 'resolvers', message: `can't find resolvers section '${resolversId}' for server '${names[0]}'` });
    const prefer = lastValue(words, 'resolve-prefer') === 'ipv4' || family === 'ipv4' ? 'ipv4' : 'ipv6';
    const query: NameQuery | undefined = net.isIP(host) ? undefined : { name: host, prefer, ...(section ? { resolvers: section } : {}) };
    const initAddr = (lastValue(words, 'init-addr') ?? 'last,libc').split(',');
    names.forEach((name, index) => out.push({ d, name, host, port, index, initAddr, ...(query ? { query } : {}) }));
  }
  return out;
}

/**
 * The address HAProxy starts the server with (server.c srv_iterate_initaddr):
 * each `init-addr` method in turn; `last` reads HAProxy's server-state-file,
 * which rsguard does not, `libc` is the start-time answer, `none` starts the
 * server in maint with no address, an IP is taken as is. A server-template
 * server takes its own answer, as HAProxy's resolvers give them out.
 */
function startAddress(l: ServerLine, answers: NameAnswers): { ip?: string; none?: true } | undefined {
  if (!l.query) return { ip: l.host };
  const got = answers.get(queryKey(l.query)) ?? [];
  // Without resolvers every server of a template resolves the name the same way (libc's first answer).
  const index = l.query.resolvers ? l.index : 0;
  // With resolvers, whatever init-addr gave at start, HAProxy soon hands each answer to one
  // server and puts the servers left over in maint (the steady state rsguard checks).
  if (l.query.resolvers && got.length) return got[index] === undefined ? { none: true } : { ip: got[index]! };
  for (const m of l.initAddr) {
    if (m === 'libc' && got[index] !== undefined) return { ip: got[index]! };
    if (m === 'none') return { none: true };
    if (net.isIP(m)) return { ip: m };
  }
  return undefined;
}

/** The host names haproxy.cfg's servers use and how each is asked, for haproxy-resolve.ts. */
export function haproxyNameQueries(file: string, text: string, env: Readonly<Record<string, string | undefined>> = process.env): NameQuery[] {
  const parsed = parseHaproxy(file, text, env);
  const resolvers = resolversOf(parsed.sections);
  const out: NameQuery[] = [];
  walkProxies(file, parsed.sections, [], [], (s, settings) => {
    for (const l of serverLines(s, settings, resolvers, [])) if (l.query) out.push(l.query);
  });
  return out;
}

/**
 * Each backend and listen section with the settings it inherits: the last
 * `defaults` section before it, or the one it names with `from`
 * (configuration.txt 4 "defaults [<name>] [ from <defaults_name> ]";
 * cfgparse-listen.c cfg_parse_listen). A `defaults` section without `from`
 * starts from HAProxy's built-in defaults, not from the previous one.
 */
function walkProxies(file: string, sections: HaproxySection[], errors: ConfigIssue[], warnings: string[], each: (s: HaproxySection, settings: ProxySettings) => void): void {
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
      each(s, settingsFrom(s, from ?? last, errors));
    }
  }
}

/**
 * Reads haproxy.cfg and writes the rsguard config that drives that HAProxy
 * through its runtime socket: one virtual service per backend (or listen)
 * with servers, each server's `check` turned into an rsguard check with
 * HAProxy's timing (inter, fastinter, rise, fall, timeout check) and weight.
 * HAProxy's checks must then be dropped from haproxy.cfg: two checkers would
 * undo each other. Backup servers stay HAProxy's: rsguard leaves servers it
 * does not list alone, and HAProxy sends traffic to its backups when every
 * other server is down or in maintenance.
 *
 * A backend is known to rsguard by its name (the runtime API says
 * `set server BACKEND/SERVER`), so several backends behind one frontend
 * (`use_backend` and `default_backend`) are several virtual services with
 * the frontend's bind as their address, a label only.
 */
export function importHaproxy(file: string, text: string, opts: HaproxyImportOptions = {}): ImportResult & { hostNames: HostNames } {
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  const tolerated: ConfigIssue[] = [];
  const lines = new Map<string, number>();
  const parsed = parseHaproxy(file, text, opts.env ?? process.env);
  const sections = parsed.sections;
  errors.push(...parsed.errors);
  warnings.push(...parsed.warnings);
  const answers = opts.answers ?? new Map<string, string[]>();
  const resolvers = resolversOf(sections);
  const globals = serverGlobals(sections);
  let socket: string | undefined;
  for (const s of sections.filter((x) => x.kind === 'global')) {
    for (const d of s.body.filter((x) => x.key === 'stats' && x.args[0] === 'socket')) {
      const path = d.args[1]!;
      const admin = d.args.includes('level') && d.args[d.args.indexOf('level') + 1] === 'admin';
      if (!socket || admin) socket = path.replace(/^(ipv4@|unix@)/, '');
      if (!admin) warnings.push(`${file}:${d.line}: stats socket ${path} is not level admin: rsguard needs "level admin" to set server states`);
    }
  }
  if (!socket) {
    socket = '/run/haproxy/admin.sock';
    warnings.push(`${file}: no "stats socket" in global: add "stats socket ${socket} mode 600 level admin" (rsguard drives HAProxy through it)`);
  }
  warnings.push(`${file}: drop "check" from the servers below in haproxy.cfg once rsguard runs: HAProxy's own checks would undo rsguard's decisions`);

  // Which frontends send traffic to which backend, for a virtual service address (a label: HAProxy is driven by backend name).
  const bindOf = new Map<string, string>();
  const dynamic: Directive[] = [];
  for (const f of sections.filter((x) => x.kind === 'frontend' || x.kind === 'listen')) {
    const binds = f.body.filter((d) => d.key === 'bind').flatMap((d) => (d.args[0] ?? '').split(','));
    const bind = binds.map(bindAddress).find((a) => a !== undefined);
    if (f.kind === 'listen') {
      if (bind && !bindOf.has(f.name)) bindOf.set(f.name, bind);
      continue;
    }
    for (const d of f.body.filter((x) => x.key === 'default_backend' || x.key === 'use_backend')) {
      const target = d.args[0];
      // `use_backend %[req.hdr(host),lower]`: the backend is chosen by name at run time, any of them may be.
      if (target?.includes('%[')) dynamic.push(d);
      else if (bind && target && !bindOf.has(target)) bindOf.set(target, bind);
    }
  }
  for (const d of dynamic) warnings.push(`${d.file}:${d.line}: ${d.key} ${d.args[0]} picks its backend at run time: every backend below is imported, reached that way or not`);

  let everyMs: number | undefined;
  const virtualServices: Array<Record<string, unknown>> = [];
  for (const s of sections) if (s.kind === 'other') warnings.push(`${file}:${s.line}: ${s.name} section is HAProxy's, not read by rsguard${s.name.startsWith('resolvers ') ? ' (but for the names its servers resolve and its "hold valid")' : ''}`);
  walkProxies(file, sections, errors, warnings, (s, settings) => {
    if (s.kind === 'frontend') return;
    // HAProxy 2.x: "please use the 'bind' keyword for listening addresses"; 1.x took `listen NAME ADDR` as a bind.
    if (s.kind === 'listen' && s.args[0] !== undefined && s.args[0] !== 'from') {
      tolerated.push({ file, line: s.line, path: 'listen', message: `listen ${s.name} ${s.args[0]}: HAProxy 2 refuses an address here (please use the 'bind' keyword for listening addresses); read as a bind, as HAProxy 1 did` });
      const b = bindAddress(s.args[0]);
      if (b) bindOf.set(s.name, b);
    }
    const all = serverLines(s, settings, resolvers, errors);
    if (!all.length) return;
    const bind = bindOf.get(s.name);
    const realServers: Array<Record<string, unknown>> = [];
    for (const l of all) {
      if (l.query?.resolvers) everyMs = Math.min(everyMs ?? Infinity, l.query.resolvers.holdValidMs);
      let d = l.d;
      if (l.host) {
        const start = startAddress(l, answers);
        const at = `${l.d.file}:${l.d.line}`;
        if (!start) {
          errors.push({ file: l.d.file, line: l.d.line, path: l.d.key, message: `could not resolve address '${l.host}' of server '${l.name}' (init-addr ${l.initAddr.join(',')}: HAProxy refuses to start)` });
          continue;
        }
        if (start.none) {
          warnings.push(`${at}: server ${l.name}: no address for '${l.host}' (init-addr ${l.initAddr.join(',')}, or more template servers than answers): HAProxy keeps it in maint and rsguard leaves it out${l.query?.resolvers ? ' until the name resolves' : ''}`);
          continue;
        }
        if (l.query) warnings.push(`${at}: server ${l.name}: ${l.host} resolved to ${start.ip}${l.query.resolvers ? ` (resolvers ${l.query.resolvers.id}: asked again every ${l.query.resolvers.holdValidMs} ms by rsguard run on this file)` : ' (libc, once at start, as HAProxy does)'}`);
        const rest = l.d.key === 'server' ? l.d.args.slice(2) : l.d.args.slice(3);
        d = { ...l.d, args: [l.name, `${formatHostPort(start.ip!, undefined)}${l.port !== undefined ? `:${l.port}` : ''}`, ...rest] };
      }
      const rs = server(d, settings, errors, warnings, globals);
      if (!rs) continue;
      if (realServers.some((r) => r.address === rs.address)) {
        warnings.push(`${l.d.file}:${l.d.line}: server ${l.name} has the address of another server of ${s.name} (${String(rs.address)}): rsguard knows a server by its address in a backend, so this one is left to HAProxy (keep its check in haproxy.cfg)`);
        continue;
      }
      lines.set(`virtualServices[${virtualServices.length}].realServers[${realServers.length}]`, l.d.line);
      realServers.push(rs);
    }
    const first = all[0]!;
    const vs = virtualAddress(bind, first.port);
    if (!bind) warnings.push(`${file}:${s.line}: ${s.kind} ${s.name} has no bind reached by a frontend: its virtual service is named ${vs} (only a label when rsguard drives HAProxy)`);
    if (!realServers.length) return;
    lines.set(`virtualServices[${virtualServices.length}]`, s.line);
    virtualServices.push({ name: s.name, address: vs, haproxy: { backend: s.name }, realServers });
  });
  if (!virtualServices.length && !errors.length) errors.push({ file, message: 'no backend or listen section with servers' });
  return {
    input: { balancer: { kind: 'haproxy', socket }, virtualServices },
    lines,
    warnings,
    errors,
    ...(tolerated.length ? { tolerated } : {}),
    // everyMs: the shortest `hold valid` of the resolvers sections in use.
    hostNames: { answers, ...(everyMs !== undefined ? { everyMs } : {}) },
  };
}

/**
 * Reads haproxy.cfg with its servers' host names resolved (haproxy-resolve.ts):
 * `previous` holds the answers of the config running now, which names
 * without a resolvers section keep (HAProxy resolves them once, at start).
 */
export async function importHaproxyResolved(file: string, text: string, previous?: NameAnswers, ask?: Lookup): Promise<ImportResult & { hostNames: HostNames }> {
  const env = process.env;
  const answers = await resolveNames(haproxyNameQueries(file, text, env), previous, ask);
  return importHaproxy(file, text, { env, answers });
}

/**
 * The first IP:port of a bind (`bind [ADDR]:PORT[-END][,...]`, configuration.txt
 * 4.2 "bind"), for a label: `*`, `::` or nothing is every address; a port range
 * gives its first port; unix sockets, abns@, fd@ and sockpair@ have none.
 */
function bindAddress(bind: string): string | undefined {
  const b = bind.replace(/^(ipv4|ipv6|tcp|tcp4|tcp6|udp|udp4|udp6|quic4|quic6)@/, '');
  if (/^(unix|abns|fd|sockpair)@/.test(b) || b.startsWith('/')) return undefined;
  const colon = b.lastIndexOf(':');
  if (colon < 0) return undefined;
  const port = /^(\d+)(?:-\d+)?$/.exec(b.slice(colon + 1))?.[1];
  const host = b.slice(0, colon).replace(/^\[|\]$/g, '');
  if (!port) return undefined;
  if (host === '' || host === '*') return formatHostPort('0.0.0.0', Number(port));
  if (host === '::' || host === ':') return formatHostPort('::', Number(port));
  return net.isIP(host) ? formatHostPort(host, Number(port)) : formatHostPort('0.0.0.0', Number(port));
}

function virtualAddress(bind: string | undefined, firstPort: string | undefined): string {
  if (bind) return bind;
  const port = /^\d+$/.test(firstPort ?? '') ? Number(firstPort) : 80;
  return formatHostPort('0.0.0.0', port);
}
