import { SCHED_FLAG_NAMES } from '../../actuators/ipvs/ipvs-options.js';
import { hostname } from 'node:os';
import { formatHostPort } from '../../lib/address.js';
import { seconds } from './imported.js';
import { resolveHostPort, unresolvedAsError } from './ldirectord-address.js';
import { ldirectordChecks, type CheckSettings } from './ldirectord-checks.js';
import { FORWARDING, IGNORED, type Ctx, type ResolvedFallback } from './ldirectord-context.js';
import { resolveFallback } from './ldirectord-fallback.js';
import { buildReal } from './ldirectord-real.js';
import type { LdVirtual } from './ldirectord-reader.js';
import { SERVICE_DEFAULT_PORT } from './ldirectord-services.js';

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

/** One virtual= block as ld_setup and the checks make it: its address, scheduler, fallback, timing, checks and real servers. */
export async function buildVirtual(ctx: Ctx, v: LdVirtual, base: string): Promise<Record<string, unknown> | undefined> {
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
    const hp = unresolvedAsError(await resolveHostPort(`${v.ipPort.host}:${v.ipPort.port}`, v.af, ctx.names));
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
  // ld_setup: `-o` only for a UDP virtual (ops=yes elsewhere is dropped without a word: said here); schedflags goes to ipvsadm -b as written.
  const ops = own('ops');
  const flags = own('schedflags');
  const ipvs: Record<string, unknown> = {};
  if (ops?.value === 'yes' && protocol === 'udp') ipvs.onePacket = true;
  else if (ops?.value === 'yes') warnings.push(`${file}:${ops.line}: ops=yes on a ${protocol} virtual: ldirectord sets one-packet scheduling on UDP virtuals only, so it is not set`);
  if (flags) {
    const names = flags.value.split(',');
    const bad = names.filter((n) => !(SCHED_FLAG_NAMES as readonly string[]).includes(n));
    // ipvsadm refuses an unknown flag, so ldirectord's -A fails and the virtual is never created: refused here.
    if (bad.length) errors.push({ file, line: flags.line, path: 'schedflags', message: `schedflags ${flags.value}: ipvsadm knows no ${bad.join(', ')} (it refuses the service; flags: ${SCHED_FLAG_NAMES.join(', ')})` });
    else ipvs.schedulerFlags = names;
    mark(`${base}.ipvs.schedulerFlags`, flags);
  }
  if (Object.keys(ipvs).length) vs.ipvs = ipvs;
  for (const k of ['monitorfile', 'comment', 'load', 'emailalertstatus'] as const) {
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
    // ld_start puts every virtual's fallback in (fallback_on) and nothing with checktype=off takes it out again.
    warnings.push(`${file}:${checkAt.line}: checktype=off: no real server of ${v.spec} is put in the pool${vs.sorryServer ? '; its fallback is, from the start, as ldirectord does' : ''}`);
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
