import { formatHostPort } from '../../lib/address.js';
import { SYSLOG_FACILITIES } from '../schema.js';
import type { ConfigIssue } from '../errors.js';
import { seconds, type Directive, type ImportResult } from './imported.js';
import { expandRange, resolveHostPort } from './ldirectord-address.js';
import { inferredService, ldirectordChecks, type CheckSettings } from './ldirectord-checks.js';
import { SERVICE_DEFAULT_PORT } from './ldirectord-services.js';

/**
 * Reads ldirectord.cf as ldirectord does (resource-agents ldirectord.in,
 * read_config): `key = value` lines, per-virtual lines indented by 4 spaces
 * or a tab, `#` comments. Defaults are the code's, not the manual's:
 * quiescent=no, checktype=negotiate, scheduler=wrr, checkinterval=10,
 * checktimeout=5, negotiatetimeout=30, failurecount=1; a single success
 * brings a server back (rise 1), failures are counted once per checkinterval.
 */
const GLOBAL_ONLY = new Set(['autoreload', 'callback', 'logfile', 'execute', 'supervised', 'fork', 'maintenancedir', 'readdquiescent']);
const SHARED = new Set(['checktimeout', 'negotiatetimeout', 'checkinterval', 'checkcount', 'failurecount', 'fallback', 'fallback6', 'fallbackcommand', 'quiescent', 'emailalert', 'emailalertfreq', 'emailalertstatus', 'emailalertfrom', 'cleanstop', 'smtp']);
const VIRTUAL_ONLY = new Set([
  'real', 'real6', 'checktype', 'service', 'checkcommand', 'checkport', 'request', 'receive', 'httpmethod', 'virtualhost', 'login', 'passwd', 'database', 'secret',
  'scheduler', 'persistent', 'netmask', 'schedflags', 'protocol', 'ops', 'monitorfile', 'servicename', 'comment', 'load',
]);
const IGNORED: Record<string, string> = {
  callback: 'rsguard has no reload callback',
  execute: 'run one rsguard per config instead',
  supervised: 'rsguard always runs in the foreground',
  fork: 'rsguard checks concurrently without forking',
  maintenancedir: 'use rsguard drain/undrain instead',
  readdquiescent: 'rsguard always re-adds entries missing from the table',
  schedflags: 'scheduler flags are not set by rsguard',
  ops: 'one-packet scheduling is not set by rsguard',
  monitorfile: 'see the JSON log and /api/status',
  comment: 'kept only in the source file',
  load: 'ldirectord parses and ignores it too',
  emailalertstatus: 'rsguard mails every transition, and its own start and stop',
};

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Splits the source into directives, with the virtual each indented one belongs to. */
function lex(file: string, text: string, errors: ConfigIssue[]): { globals: Directive[]; virtuals: Array<{ head: Directive; body: Directive[] }> } {
  const globals: Directive[] = [];
  const virtuals: Array<{ head: Directive; body: Directive[] }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const noComment = raw.replace(/(^|\s)#.*$/, '').replace(/\r$/, '');
    if (!noComment.trim()) return;
    const m = /^(\s*)([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(noComment);
    if (!m) return void errors.push({ file, line, message: `expected "directive = value", got ${JSON.stringify(noComment.trim().slice(0, 60))}` });
    const indented = /^( {4,}|\t)/.test(m[1]!);
    const d: Directive = { key: m[2]!.toLowerCase(), args: [m[3]!.trim()], file, line };
    if (d.key === 'virtual' || d.key === 'virtual6') {
      if (indented) return void errors.push({ file, line, path: d.key, message: 'virtual must not be indented' });
      virtuals.push({ head: d, body: [] });
    } else if (indented) {
      const current = virtuals[virtuals.length - 1];
      if (!current) return void errors.push({ file, line, path: d.key, message: 'indented directive before any virtual=' });
      current.body.push(d);
    } else globals.push(d);
  });
  return { globals, virtuals };
}

function bool(d: Directive, errors: ConfigIssue[]): boolean {
  const v = unquote(d.args[0]!).toLowerCase();
  if (v === 'yes' || v === '1' || v === 'on' || v === 'true') return true;
  if (v === 'no' || v === '0' || v === 'off' || v === 'false') return false;
  errors.push({ file: d.file, line: d.line, path: d.key, message: `expected yes or no, got ${JSON.stringify(v)}` });
  return false;
}

function num(d: Directive, errors: ConfigIssue[], min = 0): number {
  const v = Number(unquote(d.args[0]!));
  if (!Number.isFinite(v) || v < min) errors.push({ file: d.file, line: d.line, path: d.key, message: `expected a number ≥ ${min}, got ${JSON.stringify(d.args[0])}` });
  return v;
}

const FORWARDING: Record<string, string> = { gate: 'dr', masq: 'nat', ipip: 'tun' };

export async function importLdirectord(file: string, text: string): Promise<ImportResult> {
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  const lines = new Map<string, number>();
  const { globals, virtuals } = lex(file, text, errors);
  const settings = new Map<string, Directive>();
  for (const d of globals) {
    if (VIRTUAL_ONLY.has(d.key)) errors.push({ file, line: d.line, path: d.key, message: `${d.key} belongs inside a virtual= block (indent it)` });
    else if (!SHARED.has(d.key) && !GLOBAL_ONLY.has(d.key)) errors.push({ file, line: d.line, path: d.key, message: `unknown ldirectord directive ${d.key}` });
    else settings.set(d.key, d);
  }
  // logfile="local0" (a facility) is syslog; a path is a file rsguard does not write (it logs to stdout or syslog).
  const logfile = settings.get('logfile');
  const facility = logfile ? unquote(logfile.args[0]!) : undefined;
  const log = facility && facility in SYSLOG_FACILITIES ? { to: 'syslog', facility } : undefined;
  if (logfile && log) warnings.push(`${file}:${logfile.line}: logfile=${facility}: rsguard sends syslog over UDP to 127.0.0.1:514 (rsyslog imudp); ldirectord used /dev/log`);
  else if (logfile) warnings.push(`${file}:${logfile.line}: logfile accepted but not acted on: rsguard logs JSON to stdout (journald under systemd) or to syslog (logfile="local0")`);
  const note = (d: Directive) => {
    if (IGNORED[d.key]) warnings.push(`${file}:${d.line}: ${d.key} accepted but not acted on: ${IGNORED[d.key]}`);
  };
  globals.forEach(note);
  const cleanStop = settings.has('cleanstop') ? bool(settings.get('cleanstop')!, errors) : true;
  const autoReload = settings.has('autoreload') ? bool(settings.get('autoreload')!, errors) : false;
  const virtualServices: Array<Record<string, unknown>> = [];
  for (const v of virtuals) {
    const local = new Map(settings);
    for (const d of v.body) {
      if (GLOBAL_ONLY.has(d.key)) errors.push({ file, line: d.line, path: d.key, message: `${d.key} is a global directive (do not indent it)` });
      else if (!SHARED.has(d.key) && !VIRTUAL_ONLY.has(d.key)) errors.push({ file, line: d.line, path: d.key, message: `unknown ldirectord directive ${d.key}` });
      // read_config: a virtual's own fallback is `fallback` in a virtual= block and `fallback6` in a virtual6= block.
      else if ((d.key === 'fallback6' && v.head.key === 'virtual') || (d.key === 'fallback' && v.head.key === 'virtual6')) {
        errors.push({ file, line: d.line, path: d.key, message: `cannot specify "${d.key}" here: use "${d.key === 'fallback' ? 'fallback6' : 'fallback'}" in a ${v.head.key}= block` });
      }
      else if (d.key !== 'real' && d.key !== 'real6') local.set(d.key, d);
      note(d);
    }
    const vs = await buildVirtual(v.head, v.body, local, errors, warnings);
    if (!vs) continue;
    lines.set(`virtualServices[${virtualServices.length}]`, v.head.line);
    (vs.realServers as Array<{ line: number }>).forEach((rs, ri) => {
      lines.set(`virtualServices[${virtualServices.length}].realServers[${ri}]`, rs.line);
      delete (rs as { line?: number }).line;
    });
    virtualServices.push(vs);
  }
  if (virtuals.length === 0) errors.push({ file, message: 'no virtual= block' });
  // A bad global directive is read again for every virtual that inherits it: report it once.
  const unique = [...new Map(errors.map((e) => [`${e.line}|${e.path}|${e.message}`, e])).values()];
  const notify = ldirectordMail(settings, warnings);
  // Errors in the mail settings point at the directive that set them.
  for (const [path, key] of [['notify.email', 'emailalert'], ['notify.email.from', 'emailalertfrom'], ['notify.email.smtp', 'smtp'], ['notify.email.reminderInterval', 'emailalertfreq']] as const) {
    const d = settings.get(key);
    if (d && notify) lines.set(path, d.line);
  }
  return { input: { global: { autoReload, ...(log ? { log } : {}) }, balancer: { kind: 'ipvs', cleanStop }, ...(notify ? { notify } : {}), virtualServices }, lines, warnings, errors: unique };
}

async function buildVirtual(head: Directive, body: Directive[], local: Map<string, Directive>, errors: ConfigIssue[], warnings: string[]): Promise<Record<string, unknown> | undefined> {
  const { file } = head;
  const six = head.key === 'virtual6';
  const spec = unquote(head.args[0]!);
  const vs: Record<string, unknown> = {};
  let vport: number | undefined;
  const protocolD = local.get('protocol');
  const protocol = protocolD ? unquote(protocolD.args[0]!).toLowerCase() : undefined;
  if (/^\d+$/.test(spec)) {
    vs.fwmark = Number(spec);
    vs.family = six ? 'inet6' : 'inet';
    if (protocol && protocol !== 'fwm') errors.push({ file, line: protocolD!.line, path: 'protocol', message: `a fwmark virtual takes protocol=fwm, got ${protocol}` });
  } else {
    const hp = await resolveHostPort(spec, six ? 6 : 4);
    if (typeof hp === 'string') return void errors.push({ file, line: head.line, path: head.key, message: hp });
    if (hp.port === undefined) return void errors.push({ file, line: head.line, path: head.key, message: 'expected ip:port, host:port or a fwmark number' });
    vport = hp.port;
    vs.address = formatHostPort(hp.host, hp.port);
    const proto = protocol ?? (hp.port === 53 ? 'udp' : 'tcp');
    if (proto !== 'tcp' && proto !== 'udp') errors.push({ file, line: protocolD?.line ?? head.line, path: 'protocol', message: `expected tcp or udp for an address virtual, got ${proto}` });
    vs.protocol = proto;
  }
  const get = (k: string) => local.get(k);
  const servicename = get('servicename');
  vs.name = servicename ? unquote(servicename.args[0]!) : `${head.key}=${spec}`;
  vs.scheduler = get('scheduler') ? unquote(get('scheduler')!.args[0]!) : 'wrr';
  const persistent = get('persistent');
  if (persistent) {
    vs.persistence = { timeout: num(persistent, errors, 1) };
    const netmask = get('netmask');
    if (netmask) (vs.persistence as Record<string, unknown>).netmask = unquote(netmask.args[0]!);
  }
  const fallbackCommand = get('fallbackcommand');
  if (fallbackCommand) vs.notify = { fallbackCommand: unquote(fallbackCommand.args[0]!).split(/\s+/) };
  const quiescent = get('quiescent');
  vs.onDown = quiescent && bool(quiescent, errors) ? 'quiescent' : 'remove';
  // fallback6 is the global sorry server of virtual6 blocks (a per-virtual fallback still wins).
  const fallback = six ? get('fallback6') : get('fallback');
  if (fallback) {
    const [addr, method] = unquote(fallback.args[0]!).split(/\s+/);
    const hp = await resolveHostPort(addr!, six ? 6 : 4);
    if (typeof hp === 'string') errors.push({ file, line: fallback.line, path: 'fallback', message: hp });
    else vs.sorryServer = { address: formatHostPort(hp.host, hp.port ?? vport), forwarding: FORWARDING[method ?? 'gate'] ?? 'dr' };
  }
  // Timing: failures are counted once per checkinterval and one success brings a server back.
  const interval = get('checkinterval') ? num(get('checkinterval')!, errors, 1) : 10;
  const checkTimeout = get('checktimeout') ? num(get('checktimeout')!, errors, 1) : get('negotiatetimeout') ? num(get('negotiatetimeout')!, errors, 1) : 5;
  const negotiateTimeout = get('negotiatetimeout') ? num(get('negotiatetimeout')!, errors, 1) : get('checktimeout') ? checkTimeout : 30;
  vs.interval = seconds(interval);
  vs.retryInterval = seconds(interval);
  vs.fall = get('failurecount') ? num(get('failurecount')!, errors, 1) : 1;
  vs.rise = 1;
  const settings: CheckSettings = {
    checktype: get('checktype') ? unquote(get('checktype')!.args[0]!).toLowerCase() : 'negotiate',
    service: get('service') ? unquote(get('service')!.args[0]!).toLowerCase() : undefined,
    request: get('request') ? unquote(get('request')!.args[0]!) : '/',
    receive: get('receive') ? unquote(get('receive')!.args[0]!) : '',
    httpmethod: get('httpmethod') ? unquote(get('httpmethod')!.args[0]!).toUpperCase() : 'GET',
    virtualhost: get('virtualhost') ? unquote(get('virtualhost')!.args[0]!) : undefined,
    checkport: get('checkport') ? num(get('checkport')!, errors, 1) : undefined,
    checkcommand: get('checkcommand') ? unquote(get('checkcommand')!.args[0]!) : '/bin/true',
    checkcount: get('checkcount') ? num(get('checkcount')!, errors, 1) : 1,
    login: get('login') ? unquote(get('login')!.args[0]!) : '',
    passwd: get('passwd') ? unquote(get('passwd')!.args[0]!) : '',
    database: get('database') ? unquote(get('database')!.args[0]!) : '',
    secret: get('secret') ? unquote(get('secret')!.args[0]!) : '',
    checkTimeout,
    negotiateTimeout,
    interval,
    vport,
    protocol: (vs.protocol as string | undefined) ?? 'fwm',
  };
  // A real server without a port (fwmark or port-0 virtual) is checked on the service's well-known port, as ld_checkport does.
  if (!settings.checkport && !vport) settings.servicePort = SERVICE_DEFAULT_PORT[inferredService(settings)];
  const where = (d: Directive | undefined) => ({ file, line: d?.line ?? head.line });
  const checks = ldirectordChecks(settings, where(get('checktype') ?? get('service')), errors, warnings);
  if (checks === 'off') {
    warnings.push(`${file}:${head.line}: checktype=off: no real or fallback server of ${spec} is put in the pool`);
    delete vs.sorryServer;
    vs.realServers = [];
    return vs;
  }
  vs.checks = checks;
  const realServers: Array<Record<string, unknown>> = [];
  for (const d of body.filter((b) => b.key === 'real' || b.key === 'real6')) {
    for (const rs of await parseReal(d, settings, vport, errors, warnings)) realServers.push({ ...rs, line: d.line });
  }
  vs.realServers = realServers;
  return vs;
}

/** emailalert, emailalertfrom, emailalertfreq, smtp: without an smtp server ldirectord uses the local mailer; rsguard uses 127.0.0.1:25. */
function ldirectordMail(settings: Map<string, Directive>, warnings: string[]): Record<string, unknown> | undefined {
  const to = settings.get('emailalert');
  if (!to) return undefined;
  const recipients = unquote(to.args[0]!).split(/\s*,\s*/).filter(Boolean);
  if (!recipients.length) return undefined;
  const from = settings.get('emailalertfrom');
  const freq = settings.get('emailalertfreq');
  const smtp = settings.get('smtp');
  if (!smtp) warnings.push(`${to.file}:${to.line}: emailalert without smtp: rsguard sends through 127.0.0.1:25`);
  const [host, port] = (smtp ? unquote(smtp.args[0]!) : '127.0.0.1').split(':');
  return {
    email: {
      to: recipients,
      ...(from ? { from: unquote(from.args[0]!) } : {}),
      smtp: { host, ...(port ? { port: Number(port) } : {}) },
      ...(freq && Number(unquote(freq.args[0]!)) > 0 ? { reminderInterval: seconds(Number(unquote(freq.args[0]!))) } : {}),
    },
  };
}


async function parseReal(d: Directive, settings: CheckSettings, vport: number | undefined, errors: ConfigIssue[], warnings: string[]): Promise<Array<Record<string, unknown>>> {
  const tokens = d.args[0]!.match(/"[^"]*"\s*,\s*"[^"]*"|"[^"]*"|\S+/g) ?? [];
  const [addrSpec, ...rest] = tokens;
  if (!addrSpec) {
    errors.push({ file: d.file, line: d.line, path: d.key, message: 'expected an address' });
    return [];
  }
  let forwarding = 'dr';
  let weight = 1;
  let reqRecv: [string, string] | undefined;
  for (const t of rest) {
    if (FORWARDING[t]) forwarding = FORWARDING[t]!;
    else if (/^\d+$/.test(t)) weight = Number(t);
    else if (/^[lu]:\d+$/.test(t)) warnings.push(`${d.file}:${d.line}: ${t} connection thresholds are not set by rsguard`);
    else if (t.startsWith('"')) {
      const m = /^"([^"]*)"\s*,\s*"([^"]*)"$/.exec(t);
      if (!m) errors.push({ file: d.file, line: d.line, path: d.key, message: `expected "request","receive", got ${t}` });
      else reqRecv = [m[1]!, m[2]!];
    } else errors.push({ file: d.file, line: d.line, path: d.key, message: `unexpected ${JSON.stringify(t)}: expected gate, masq, ipip, a weight, "request","receive", l:N or u:N` });
  }
  if (weight > 65535) errors.push({ file: d.file, line: d.line, path: d.key, message: `weight ${weight} is above 65535` });
  const addresses = await expandRange(addrSpec, d.key === 'real6' ? 6 : 4);
  if (typeof addresses === 'string') {
    errors.push({ file: d.file, line: d.line, path: d.key, message: addresses });
    return [];
  }
  const own = reqRecv ? { request: reqRecv[0], receive: reqRecv[1] } : {};
  const at = { file: d.file, line: d.line };
  const checks = reqRecv ? ldirectordChecks({ ...settings, ...own }, at, errors, warnings) : undefined;
  // With a port of its own, a real server of a fwmark virtual is checked on that port, not the service's.
  const withPort = settings.servicePort !== undefined && addresses.some((a) => a.port) ? ldirectordChecks({ ...settings, ...own, servicePort: undefined }, at, errors, warnings) : undefined;
  return addresses.map(({ host, port }) => {
    const rs: Record<string, unknown> = { address: formatHostPort(host, port ?? vport), weight, forwarding };
    const mine = port && withPort ? withPort : checks;
    if (mine && mine !== 'off') rs.checks = mine;
    return rs;
  });
}

