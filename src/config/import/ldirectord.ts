import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { formatHostPort } from '../../lib/address.js';
import { SYSLOG_FACILITIES } from '../schema.js';
import type { ConfigIssue } from '../errors.js';
import { seconds, type ImportResult } from './imported.js';
import { expandRange, resolveHostPort } from './ldirectord-address.js';
import { ldirectordChecks, type CheckSettings } from './ldirectord-checks.js';
import { parseFallback, parseReal, readLdirectordConfig, realThresholds, type LdRead, type LdValue, type LdVirtual } from './ldirectord-reader.js';
import { SERVICE_DEFAULT_PORT } from './ldirectord-services.js';

/**
 * Reads ldirectord.cf as ldirectord does: ldirectord-reader.ts is its
 * read_config, and this file what ld_setup and the checks make of it.
 * Defaults are the code's, not the manual's (set_defaults, ld_setup):
 * quiescent=no, checktype=negotiate, scheduler=wrr, checkinterval=10,
 * checktimeout and negotiatetimeout each other's default, then 5 and 30 s,
 * failurecount=1; a single success brings a server back (rise 1), and
 * failures are counted once per checkinterval.
 */
const IGNORED: Record<string, string> = {
  callback: 'rsguard has no reload callback',
  execute: 'run one rsguard per config instead',
  supervised: 'rsguard always runs in the foreground',
  fork: 'rsguard checks concurrently without forking (it still takes each virtual\'s checkinterval, as fork=yes does)',
  maintenancedir: 'use rsguard drain/undrain instead',
  readdquiescent: 'rsguard always re-adds entries missing from the table',
  schedflags: 'scheduler flags are not set by rsguard',
  ops: 'one-packet scheduling is not set by rsguard',
  monitorfile: 'see the JSON log and /api/status',
  comment: 'kept only in the source file',
  load: 'ldirectord parses and ignores it too',
  emailalertstatus: 'rsguard mails every transition, and its own start and stop',
};

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** ld_port_to_service: the service a virtual's port means when service= is not set. */
function portToService(port: number | undefined): string {
  return Object.entries(SERVICE_DEFAULT_PORT).find(([, p]) => p === port)?.[0] ?? 'none';
}

/**
 * ldirectord runs fallbackcommand with Perl's system(STRING): split on
 * spaces and exec'd when it has no shell metacharacter, else run by
 * /bin/sh -c (doio.c). rsguard appends `start|stop VIP:PORT PROTO` as
 * arguments, so a shell command gets them as "$@".
 */
export function shellArgv(cmd: string): string[] {
  const meta = /[$&*(){}[\]'";\\|?<>~`\n]/;
  // One double-quoted word (a global fallbackcommand keeps its quotes) is that word to the shell.
  const word = /^"([^\s"]+)"$/.exec(cmd.trim());
  if (word && !meta.test(word[1]!)) return [word[1]!];
  return meta.test(cmd) ? ['/bin/sh', '-c', `${cmd} "$@"`, 'sh'] : cmd.trim().split(/\s+/);
}

interface Ctx {
  file: string;
  read: LdRead;
  errors: ConfigIssue[];
  warnings: string[];
  tolerated: ConfigIssue[];
  mark: (path: string, at: { line: number; key: string }) => void;
  fork: boolean;
  globalFallback: { 4?: ResolvedFallback; 6?: ResolvedFallback };
}

type ResolvedFallback = { host: string; port: number | undefined; forward: string; at: LdValue };

const FORWARDING: Record<string, string> = { gate: 'dr', masq: 'nat', ipip: 'tun' };

export async function importLdirectord(file: string, text: string): Promise<ImportResult> {
  const read = readLdirectordConfig(file, text);
  const errors = read.errors;
  const tolerated = read.tolerated;
  const warnings: string[] = [];
  const lines = new Map<string, number>();
  const directives = new Map<string, string>();
  const mark = (path: string, at: { line: number; key: string }) => {
    lines.set(path, at.line);
    directives.set(path, at.key);
  };
  const g = read.globals;
  for (const d of [...g.values(), ...read.execute]) if (IGNORED[d.key]) warnings.push(`${file}:${d.line}: ${d.key} accepted but not acted on: ${IGNORED[d.key]}`);
  // logfile="local0" (a facility) is syslog; a path is a file rsguard does not write (it logs to stdout or syslog).
  const logfile = g.get('logfile');
  const log = logfile && logfile.value in SYSLOG_FACILITIES ? { to: 'syslog', facility: logfile.value } : undefined;
  if (logfile && log) warnings.push(`${file}:${logfile.line}: logfile=${logfile.value}: rsguard sends syslog over UDP to 127.0.0.1:514 (rsyslog imudp); ldirectord used /dev/log`);
  else if (logfile) warnings.push(`${file}:${logfile.line}: logfile accepted but not acted on: rsguard logs JSON to stdout (journald under systemd) or to syslog (logfile="local0")`);
  // read_config: config_warn when maintenancedir is not a directory (ldirectord carries on).
  const maint = g.get('maintenancedir');
  if (maint && !isDirectory(maint.value)) tolerated.push({ file, line: maint.line, path: maint.key, message: 'maintenance directory does not exist' });
  const ctx: Ctx = { file, read, errors, warnings, tolerated, mark, fork: g.get('fork')?.value === 'yes', globalFallback: {} };
  // read_config parses and resolves a global fallback where it is written, used or not (for tcp and udp virtuals alike).
  for (const [af, key] of [[4, 'fallback'], [6, 'fallback6']] as const) {
    const d = g.get(key);
    if (d) ctx.globalFallback[af] = await resolveFallback(ctx, d, af, undefined);
  }
  const virtualServices: Array<Record<string, unknown>> = [];
  for (const v of read.virtuals) {
    const base = `virtualServices[${virtualServices.length}]`;
    const vs = await buildVirtual(ctx, v, base);
    if (!vs) continue;
    mark(base, { line: v.line, key: v.key });
    virtualServices.push(vs);
  }
  if (read.virtuals.length === 0) errors.push({ file, message: 'no virtual= block' });
  const notify = ldirectordMail(ctx);
  // A bad global directive is read again for every virtual that inherits it: report it once.
  const unique = [...new Map(errors.map((e) => [`${e.line}|${e.path}|${e.message}`, e])).values()];
  const cleanStop = g.get('cleanstop')?.value !== 'no';
  const autoReload = g.get('autoreload')?.value === 'yes';
  if (g.get('autoreload')) mark('global.autoReload', g.get('autoreload')!);
  return {
    input: { global: { autoReload, ...(log ? { log } : {}) }, balancer: { kind: 'ipvs', cleanStop }, ...(notify ? { notify } : {}), virtualServices },
    lines,
    directives,
    warnings,
    errors: unique,
    tolerated: [...new Map(tolerated.map((e) => [`${e.line}|${e.path}|${e.message}`, e])).values()],
  };
}

/** _ld_read_config_fallback_resolve: the host must resolve in the virtual's family; a port (0 is none) is a number or a service name. */
async function resolveFallback(ctx: Ctx, d: LdValue, af: 4 | 6, vport: string | undefined): Promise<ResolvedFallback | undefined> {
  const error = (message: string) => void ctx.errors.push({ file: ctx.file, line: d.line, path: d.key, message });
  const f = parseFallback(d.value);
  if (typeof f === 'string') return error(f);
  const port = f.port ?? vport;
  const hp = await resolveHostPort(f.server.replace(/^\[(.*)\]$/, '$1'), af);
  if (typeof hp === 'string') return error(`invalid IPv${af} address or could not resolve for fallback server: ${hp}`);
  if (hp.port !== undefined) return error(`invalid fallback server ${JSON.stringify(d.value)}`);
  let n: number | undefined;
  if (port && port !== '0') {
    const p = await resolveHostPort(`${hp.family === 6 ? `[${hp.host}]` : hp.host}:${port}`, af);
    if (typeof p === 'string') return error(`invalid port for fallback server: ${p}`);
    n = p.port;
  }
  return { host: hp.host, port: n, forward: f.forward, at: d };
}

async function buildVirtual(ctx: Ctx, v: LdVirtual, base: string): Promise<Record<string, unknown> | undefined> {
  const { file, errors, warnings, mark } = ctx;
  const g = ctx.read.globals;
  const own = (k: string) => v.set.get(k);
  const head = { line: v.line, key: v.key };
  const vs: Record<string, unknown> = {};
  let vport: number | undefined;
  let protocol: string;
  if (v.fwm !== undefined) {
    vs.fwmark = v.fwm;
    vs.family = v.af === 6 ? 'inet6' : 'inet';
    protocol = 'fwm';
    if (!/^\d+$/.test(v.spec)) warnings.push(`${file}:${v.line}: ${v.key}=${v.spec} is the fwmark ${v.fwm} to ldirectord (its leading digits), and so to rsguard`);
  } else if (v.ipPort) {
    // read_config: a virtual on port 53 or "domain" is UDP unless protocol= says otherwise.
    protocol = own('protocol')?.value ?? (/^(53|domain)$/.test(v.ipPort.port) ? 'udp' : 'tcp');
    const hp = await resolveHostPort(`${v.ipPort.host}:${v.ipPort.port}`, v.af);
    if (typeof hp === 'string') return void errors.push({ file, line: v.line, path: v.key, message: `invalid address for virtual service: ${hp}` });
    vport = hp.port;
    vs.address = formatHostPort(hp.host, hp.port);
    vs.protocol = protocol;
    if (own('protocol')) mark(`${base}.protocol`, own('protocol')!);
  } else return undefined;
  const servicename = own('servicename');
  vs.name = servicename ? servicename.value.replace(/^"(.*)"$/, '$1') : `${v.key}=${v.spec}`;
  vs.scheduler = own('scheduler')?.value ?? 'wrr';
  if (own('scheduler')) mark(`${base}.scheduler`, own('scheduler')!);
  const persistent = own('persistent');
  if (persistent) {
    vs.persistence = { timeout: Number(persistent.value), ...(own('netmask') ? { netmask: own('netmask')!.value } : {}) };
    mark(`${base}.persistence`, persistent);
    if (own('netmask')) mark(`${base}.persistence.netmask`, own('netmask')!);
  }
  for (const k of ['schedflags', 'ops', 'monitorfile', 'comment', 'load', 'emailalertstatus'] as const) {
    const d = own(k);
    if (d) warnings.push(`${file}:${d.line}: ${k} accepted but not acted on: ${IGNORED[k]}`);
  }
  const fallbackCommand = own('fallbackcommand') ?? g.get('fallbackcommand');
  if (fallbackCommand) {
    vs.notify = { fallbackCommand: shellArgv(fallbackCommand.value) };
    mark(`${base}.notify.fallbackCommand`, fallbackCommand);
  }
  // _remove_service: the virtual's quiescent, else the global one (default no).
  const quiescent = own('quiescent') ?? g.get('quiescent');
  vs.onDown = quiescent?.value === 'yes' ? 'quiescent' : 'remove';
  const cleanstop = own('cleanstop');
  if (cleanstop && cleanstop.value !== (g.get('cleanstop')?.value ?? 'yes')) warnings.push(`${file}:${cleanstop.line}: cleanstop=${cleanstop.value} in a virtual is not acted on: rsguard's cleanStop (the global cleanstop, default yes) covers every virtual`);
  // fallback_find: the virtual's own fallback, else the global one of its family with its port or the virtual's.
  const fb = own('fallback');
  let sorry: ResolvedFallback | undefined;
  if (fb) sorry = await resolveFallback(ctx, fb, v.af, v.ipPort?.port ?? '0');
  else if (ctx.globalFallback[v.af]) {
    const gf = ctx.globalFallback[v.af]!;
    if (protocol === 'fwm') {
      ctx.tolerated.push({ file, line: gf.at.line, path: gf.at.key, message: `the global ${gf.at.key} does not apply to the fwmark virtual at line ${v.line}: ldirectord's fallback_find has no fallback for protocol fwm and asks ipvsadm for one with no address, which fails (logged, and ldirectord carries on)` });
    } else sorry = { ...gf, port: gf.port ?? vport };
  }
  if (sorry) {
    vs.sorryServer = { address: formatHostPort(sorry.host, sorry.port), forwarding: FORWARDING[sorry.forward] };
    mark(`${base}.sorryServer`, sorry.at);
  }
  // Interval: with fork=no (the default) every virtual is checked in one loop that sleeps the global checkinterval (ld_main); fork=yes gives each its own (run_child).
  const vInterval = own('checkinterval');
  if (vInterval && !ctx.fork) ctx.tolerated.push({ file, line: vInterval.line, path: 'checkinterval', message: `checkinterval in virtual service ${v.spec} ignored when fork=no` });
  const intervalD = (ctx.fork ? vInterval : undefined) ?? g.get('checkinterval');
  const interval = intervalD ? Number(intervalD.value) : 10;
  vs.interval = seconds(interval);
  vs.retryInterval = seconds(interval);
  if (intervalD) {
    mark(`${base}.interval`, intervalD);
    mark(`${base}.retryInterval`, intervalD);
  }
  const failD = own('failurecount') ?? g.get('failurecount');
  vs.fall = failD ? Number(failD.value) : 1;
  if (failD) mark(`${base}.fall`, failD);
  vs.rise = 1;
  // ld_setup: checktimeout and negotiatetimeout are each other's default, the virtual's before the global's.
  const checkTimeoutD = own('checktimeout') ?? own('negotiatetimeout') ?? g.get('checktimeout') ?? g.get('negotiatetimeout');
  const negotiateTimeoutD = own('negotiatetimeout') ?? own('checktimeout') ?? g.get('negotiatetimeout') ?? g.get('checktimeout');
  const countD = own('checkcount') ?? g.get('checkcount');
  const service = own('service')?.value ?? (protocol === 'fwm' ? 'none' : portToService(vport));
  const host = hostname();
  const checktype = own('checktype')?.value ?? 'negotiate';
  const settings: CheckSettings = {
    checktype: checktype === 'combined' ? String(v.numConnects) : checktype,
    service,
    request: own('request')?.value ?? '/',
    receive: own('receive')?.value ?? '',
    httpmethod: own('httpmethod')?.value ?? 'GET',
    virtualhost: own('virtualhost')?.value.trim(),
    checkport: own('checkport') ? Number(own('checkport')!.value) : undefined,
    checkcommand: own('checkcommand')?.value ?? '/bin/true',
    checkcount: countD ? Number(countD.value) : 1,
    login: (own('login')?.value ?? '').replace('ldirectord@HOSTNAME', `ldirectord@${host}`),
    passwd: (own('passwd')?.value ?? '').replace('ldirectord@HOSTNAME', `ldirectord@${host}`),
    database: own('database')?.value ?? '',
    secret: own('secret')?.value ?? '',
    checkTimeout: checkTimeoutD ? Number(checkTimeoutD.value) : 5,
    negotiateTimeout: negotiateTimeoutD ? Number(negotiateTimeoutD.value) : 30,
    interval,
    vport,
    protocol,
  };
  const checkAt = own('checktype') ?? own('service') ?? head;
  const where = { file, line: checkAt.line };
  const markChecks = (prefix: string, checks: Array<Record<string, unknown>>) => {
    mark(`${prefix}.checks`, checkAt);
    checks.forEach((c, i) => {
      // The negotiate check of a combined checktype is the second; every other check of a negotiate virtual is its negotiate check.
      const negotiating = checktype === 'negotiate' || (checktype === 'combined' && i === 1);
      const t = negotiating ? negotiateTimeoutD : checkTimeoutD;
      if (t) mark(`${prefix}.checks[${i}].timeout`, t);
      if (own('checkport')) mark(`${prefix}.checks[${i}].port`, own('checkport')!);
      if (countD && c.kind === 'icmp') mark(`${prefix}.checks[${i}].count`, countD);
      if (c.interval) mark(`${prefix}.checks[${i}].interval`, own('checktype')!);
    });
  };
  const checks = ldirectordChecks(settings, where, errors, warnings);
  if (checks === 'off') {
    warnings.push(`${file}:${checkAt.line}: checktype=off: no real or fallback server of ${v.spec} is put in the pool`);
    delete vs.sorryServer;
    vs.realServers = [];
    return vs;
  }
  vs.checks = checks;
  markChecks(base, checks);
  const realServers: Array<Record<string, unknown>> = [];
  for (const d of v.reals) {
    for (const rs of await buildReal(ctx, v, d, settings, protocol)) {
      const path = `${base}.realServers[${realServers.length}]`;
      mark(path, d);
      if (rs.checks) markChecks(path, rs.checks as Array<Record<string, unknown>>);
      realServers.push(rs);
    }
  }
  vs.realServers = realServers;
  const alert = own('emailalert');
  if (alert) {
    vs.notify = { ...(vs.notify as object | undefined), emailTo: alert.value.split(/\s*,\s*/).filter(Boolean) };
    mark(`${base}.notify.emailTo`, alert);
  }
  for (const k of ['smtp', 'emailalertfreq'] as const) {
    const d = own(k);
    if (d && d.value !== g.get(k)?.value) warnings.push(`${file}:${d.line}: ${k} in a virtual is not acted on: rsguard mails every virtual through the global smtp and emailalertfreq`);
  }
  return vs;
}

/**
 * _ld_read_config_real_resolve and add_real_server. A real server's check
 * goes where ld_checkport says: checkport, else the real's port, else the
 * service's well-known port. IPVS itself forwards DR and TUN traffic to the
 * virtual's port whatever the real's (ipvsadm sets the destination port to
 * the service's), so such a real is put in the pool on the virtual's port
 * and checked on its own.
 */
async function buildReal(ctx: Ctx, v: LdVirtual, d: LdValue, settings: CheckSettings, protocol: string): Promise<Array<Record<string, unknown>>> {
  const { file, errors, warnings } = ctx;
  const error = (message: string) => void errors.push({ file, line: d.line, path: d.key, message });
  const r = parseReal(d.value);
  if (typeof r === 'string') return error(r), [];
  for (const t of realThresholds(d.value)) warnings.push(`${file}:${d.line}: ${t} connection thresholds are not set by rsguard`);
  let addresses: Array<{ host: string; port: number | undefined }>;
  const portPart = r.port === '0' ? '' : `:${r.port}`;
  if (r.ip2 !== undefined) {
    if (v.af === 6) return error('Address range for IPv6 is not supported yet'), [];
    const range = await expandRange(`${r.ip1}->${r.ip2}${portPart}`, 4);
    if (typeof range === 'string') return error(range), [];
    addresses = range;
  } else {
    const hp = await resolveHostPort(`${r.ip1}${portPart}`, v.af);
    if (typeof hp === 'string') return error(`invalid address (${r.ip1}) for real server: ${hp}`), [];
    addresses = [{ host: hp.host, port: hp.port }];
  }
  const forwarding = FORWARDING[r.forward]!;
  const ownReqRecv = r.request !== undefined ? { request: r.request, receive: r.receive! } : {};
  const cache = new Map<string, ReturnType<typeof ldirectordChecks>>();
  const checksFor = (port: number | undefined) => {
    const key = String(port);
    if (!cache.has(key)) cache.set(key, ldirectordChecks({ ...settings, ...ownReqRecv, servicePort: port }, { file, line: d.line }, errors, warnings));
    return cache.get(key)!;
  };
  const out: Array<Record<string, unknown>> = [];
  for (const { host, port } of addresses) {
    const rport = port ?? 0;
    const pooled = protocol === 'fwm' ? rport || undefined : forwarding !== 'nat' && settings.vport !== undefined ? settings.vport : rport || settings.vport;
    if (protocol !== 'fwm' && forwarding !== 'nat' && rport && rport !== settings.vport) warnings.push(`${file}:${d.line}: ${r.forward} forwarding sends to the virtual's port ${settings.vport} (ipvsadm sets it so), not ${rport}: ldirectord checks ${rport}, and so does rsguard`);
    const checkPort = settings.checkport ?? (rport > 0 ? rport : SERVICE_DEFAULT_PORT[settings.service!]);
    const rs: Record<string, unknown> = { address: formatHostPort(host, pooled), weight: r.weight, forwarding };
    const needsOwn = r.request !== undefined || (settings.checkport === undefined && checkPort !== pooled);
    if (needsOwn) {
      const c = checksFor(settings.checkport === undefined ? checkPort : undefined);
      if (c !== 'off') rs.checks = c;
    }
    out.push(rs);
  }
  return out;
}

/** emailalert, emailalertfrom, emailalertfreq, smtp: without an smtp server ldirectord uses the local mailer; rsguard uses 127.0.0.1:25. */
function ldirectordMail(ctx: Ctx): Record<string, unknown> | undefined {
  const g = ctx.read.globals;
  const to = g.get('emailalert');
  const perVirtual = ctx.read.virtuals.map((v) => v.set.get('emailalert')).filter((d): d is LdValue => d !== undefined);
  if (!to) {
    // ldirectord mails only the virtuals that name recipients; rsguard's per-virtual recipients need the global mail settings.
    for (const d of perVirtual) ctx.errors.push({ file: ctx.file, line: d.line, path: d.key, message: 'emailalert in a virtual without a global emailalert: rsguard would mail every virtual; set the global emailalert too' });
    return undefined;
  }
  const from = g.get('emailalertfrom');
  const freq = g.get('emailalertfreq');
  const smtp = g.get('smtp');
  if (!smtp) ctx.warnings.push(`${ctx.file}:${to.line}: emailalert without smtp: ldirectord hands the mail to the local mailer (Mail::Send); rsguard sends through 127.0.0.1:25`);
  ctx.mark('notify.email', to);
  ctx.mark('notify.email.to', to);
  if (from) ctx.mark('notify.email.from', from);
  if (smtp) ctx.mark('notify.email.smtp', smtp);
  if (freq) ctx.mark('notify.email.reminderInterval', freq);
  return {
    email: {
      to: to.value.split(/\s*,\s*/).filter(Boolean),
      ...(from ? { from: from.value } : {}),
      // read_config keeps only the host of smtp= (`^[0-9A-Za-z._+-]+`): Net::SMTP then talks to port 25.
      smtp: { host: smtp?.value ?? '127.0.0.1' },
      ...(freq && Number(freq.value) > 0 ? { reminderInterval: seconds(Number(freq.value)) } : {}),
    },
  };
}
