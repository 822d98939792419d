import { formatHostPort } from '../../lib/address.js';
import type { ConfigIssue } from '../errors.js';
import { type Directive, type ImportResult } from './imported.js';
import { parseHaproxy, type HaproxySection } from './haproxy-parser.js';
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

function settingsFrom(s: HaproxySection, base: ProxySettings, errors: ConfigIssue[]): ProxySettings {
  const out: ProxySettings = { defaultServer: [...base.defaultServer], check: { ...base.check, httpCheck: [...base.check.httpCheck], tcpCheck: [...base.check.tcpCheck] } };
  if (base.timeoutCheck !== undefined) out.timeoutCheck = base.timeoutCheck;
  if (base.timeoutConnect !== undefined) out.timeoutConnect = base.timeoutConnect;
  let ownHttpCheck = false;
  let ownTcpCheck = false;
  for (const d of s.body) {
    if (d.key === 'default-server') out.defaultServer.push(...d.args);
    else if (d.key === 'option' && d.args[0]) {
      // The last check option of a section wins, as in HAProxy.
      if (['httpchk', 'tcp-check', 'ssl-hello-chk', 'smtpchk', 'mysql-check', 'pgsql-check', 'ldap-check', 'redis-check'].includes(d.args[0])) out.check.option = { name: d.args[0], args: d.args.slice(1), line: d.line };
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

/**
 * Reads haproxy.cfg and writes the rsguard config that drives that HAProxy
 * through its runtime socket: one virtual service per backend (or listen)
 * with servers, each server's `check` turned into an rsguard check with
 * HAProxy's timing (inter, fastinter, rise, fall, timeout check) and weight.
 * HAProxy's checks must then be dropped from haproxy.cfg: two checkers would
 * undo each other. Backup servers stay HAProxy's: rsguard leaves servers it
 * does not list alone, and HAProxy sends traffic to its backups when every
 * other server is down or in maintenance.
 */
export function importHaproxy(file: string, text: string): ImportResult {
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  const lines = new Map<string, number>();
  const sections = parseHaproxy(file, text);
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

  // Which frontends send traffic to which backend, for a virtual service address.
  const bindOf = new Map<string, string>();
  for (const f of sections.filter((x) => x.kind === 'frontend')) {
    const bind = f.body.find((d) => d.key === 'bind')?.args[0];
    for (const d of f.body.filter((x) => x.key === 'default_backend' || x.key === 'use_backend')) if (bind && d.args[0] && !bindOf.has(d.args[0])) bindOf.set(d.args[0], bind);
  }
  let defaults: ProxySettings = { defaultServer: [], check: { httpCheck: [], tcpCheck: [] } };
  const virtualServices: Array<Record<string, unknown>> = [];
  for (const s of sections) {
    if (s.kind === 'defaults') defaults = settingsFrom(s, { defaultServer: [], check: { httpCheck: [], tcpCheck: [] } }, errors);
    if (s.kind === 'other') warnings.push(`${file}:${s.line}: ${s.name} section is HAProxy's, not read by rsguard`);
    if (s.kind !== 'backend' && s.kind !== 'listen') continue;
    const settings = settingsFrom(s, defaults, errors);
    const servers = s.body.filter((d) => d.key === 'server');
    if (!servers.length) continue;
    const bind = s.kind === 'listen' ? (s.args[0] ?? s.body.find((d) => d.key === 'bind')?.args[0]) : bindOf.get(s.name);
    const vs = virtualAddress(bind, servers[0]!);
    if (!bind) warnings.push(`${file}:${s.line}: ${s.kind} ${s.name} has no bind: its virtual service is named ${vs} (only a label when rsguard drives HAProxy)`);
    const realServers: Array<Record<string, unknown>> = [];
    for (const d of servers) {
      const rs = server(d, settings, errors, warnings, globals);
      if (!rs) continue;
      lines.set(`virtualServices[${virtualServices.length}].realServers[${realServers.length}]`, d.line);
      realServers.push(rs);
    }
    if (!realServers.length) continue;
    lines.set(`virtualServices[${virtualServices.length}]`, s.line);
    virtualServices.push({ name: s.name, address: vs, haproxy: { backend: s.name }, realServers });
  }
  if (!virtualServices.length && !errors.length) errors.push({ file, message: 'no backend or listen section with servers' });
  return { input: { balancer: { kind: 'haproxy', socket }, virtualServices }, lines, warnings, errors };
}

function virtualAddress(bind: string | undefined, first: Directive): string {
  const m = bind ? /^(?:\*|:)?(?:([\d.]+|\[[0-9a-fA-F:]+\]|\*)?:)?(\d+)/.exec(bind.replace(/^:::/, '[::]:')) : null;
  if (m && m[2]) {
    const host = !m[1] || m[1] === '*' ? '0.0.0.0' : m[1].replace(/^\[|\]$/g, '');
    return formatHostPort(host, Number(m[2]));
  }
  const port = /:(\d+)$/.exec(first.args[1] ?? '')?.[1];
  return formatHostPort('0.0.0.0', port ? Number(port) : 80);
}
