import { BALANCER_FIELDS, balancerFor, balancerOptions } from '../actuators/registry.js';

const withOptions = (o: Record<string, unknown> | undefined) => (o ? { balancerOptions: o } : {});
import { parseHostPort, formatHostPort } from '../lib/address.js';
import type { PathSegment } from './errors.js';
import { hostname } from 'node:os';
import type { BalancerDef, CheckDef, Forwarding, LogTarget, NotifyDef, GlobalDef, Model, RealServerDef, Timing, VirtualServiceDef } from './model.js';
import { DEFAULT_CHECK, SYSLOG_FACILITIES, TIMING_DEFAULTS, type CheckInput, type ConfigInput, type TimingInput, type VirtualServiceInput, type VrrpInput } from './schema.js';
import { stableId } from './stable-id.js';
import { probeFor } from '../probes/registry.js';
import type { ProbeTarget } from '../probes/types.js';

export interface PathIssue {
  path: PathSegment[];
  message: string;
}

const TIMING_KEYS = ['interval', 'timeout', 'retryInterval', 'fall', 'rise', 'window', 'alpha', 'flap'] as const;

/** Later layers win: global defaults, then virtual service, real server, check. */
function resolveTiming(layers: Array<Partial<TimingInput> | undefined>): Timing {
  const t: Timing = { ...TIMING_DEFAULTS, flap: { ...TIMING_DEFAULTS.flap } };
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.interval !== undefined) t.intervalMs = layer.interval;
    if (layer.timeout !== undefined) t.timeoutMs = layer.timeout;
    if (layer.retryInterval !== undefined) t.retryIntervalMs = layer.retryInterval;
    if (layer.fall !== undefined) t.fall = layer.fall;
    if (layer.rise !== undefined) t.rise = layer.rise;
    if (layer.window !== undefined) t.window = layer.window;
    if (layer.alpha !== undefined) t.alpha = layer.alpha;
    if (layer.flap !== undefined) t.flap = layer.flap === false ? null : layer.flap;
  }
  return t;
}

function pickTiming(obj: Record<string, unknown>): Partial<TimingInput> {
  const out: Record<string, unknown> = {};
  for (const k of TIMING_KEYS) if (obj[k] !== undefined) out[k] = obj[k];
  return out as Partial<TimingInput>;
}

function checkLabel(kind: string, spec: Record<string, unknown>, target: ProbeTarget, ownHost: boolean): string {
  switch (kind) {
    case 'http':
    case 'https':
      return `${kind} ${String(spec.method)} ${String(spec.path)}`;
    case 'fpm':
      return `fpm ${String(spec.path)}`;
    case 'exec':
      return `exec ${String((spec.command as string[])[0])}`;
    case 'icmp':
      return 'icmp';
    case 'file':
      return `file ${String(spec.path)}`;
    case 'dns':
      return `dns ${String(spec.query)} ${String(spec.type)}`;
    default:
      // A check aimed elsewhere (keepalived connect_ip, SMTP_CHECK host{}) says where.
      return ownHost ? `${kind} ${formatHostPort(target.host, target.port)}` : `${kind} ${target.port}`;
  }
}

export function buildModel(input: ConfigInput, source: string): { model?: Model; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const listen = parseHostPort(input.global.listen);
  let global: GlobalDef | undefined;
  if (typeof listen === 'string' || listen.port === undefined) {
    issues.push({ path: ['global', 'listen'], message: typeof listen === 'string' ? listen : 'expected HOST:PORT' });
  } else {
    global = {
      listen: { host: listen.host, port: listen.port },
      logLevel: input.global.logLevel,
      log: buildLog(input.global.log, issues),
      concurrency: input.global.concurrency,
      startupSpreadMs: input.global.startupSpread,
      autoReload: input.global.autoReload,
      ...(input.global.stateFile !== undefined ? { stateFile: input.global.stateFile } : {}),
      health: { maxBlindFraction: input.global.health.maxBlindFraction, fileWeight: input.global.health.fileWeight, ...(input.global.health.file ? { file: input.global.health.file } : {}) },
      ...(input.global.apiToken ? { apiToken: input.global.apiToken } : {}),
      ...(input.global.apiTokenFile ? { apiTokenFile: input.global.apiTokenFile } : {}),
    };
  }
  const checks = new Map<string, CheckDef>();
  const seenVs = new Map<string, number>();
  const virtualServices: VirtualServiceDef[] = [];
  input.virtualServices.forEach((vs, vi) => {
    const built = buildVirtualService(vs, ['virtualServices', vi], input.global.checkDefaults, checks, issues, input.global.tlsCa);
    if (!built) return;
    const prev = seenVs.get(built.key);
    if (prev !== undefined) issues.push({ path: ['virtualServices', vi], message: `duplicate virtual service ${built.key} (also virtualServices[${prev}])` });
    seenVs.set(built.key, vi);
    virtualServices.push(built);
  });
  const balancer = buildBalancer(input.balancer);
  for (const p of balancerFor(balancer.kind)!.validate?.(virtualServices) ?? []) issues.push({ path: ['virtualServices', p.index], message: p.message });
  if (issues.length || !global) return { issues };
  const queue = { prefix: input.queue.prefix, ...(input.queue.redis ? { redis: input.queue.redis } : {}), ...(input.queue.staleAfter !== undefined ? { staleAfterMs: input.queue.staleAfter } : {}) };
  return { model: { source, format: 'rsguard-yaml', global, balancer, notify: buildNotify(input.notify), queue, virtualServices, vrrp: buildVrrp(input.vrrp, issues), checks, warnings: [] }, issues };
}

function buildLog(l: ConfigInput['global']['log'], issues: PathIssue[]): LogTarget {
  if (l === 'stdout') return { to: 'stdout' };
  const hp = parseHostPort(l.address);
  if (typeof hp === 'string') {
    issues.push({ path: ['global', 'log', 'address'], message: hp });
    return { to: 'stdout' };
  }
  return { to: 'syslog', facility: SYSLOG_FACILITIES[l.facility], host: hp.host, port: hp.port ?? 514, protocol: l.protocol, format: l.format };
}

function buildVrrp(v: VrrpInput, issues: PathIssue[]): Model['vrrp'] {
  const names = new Set<string>();
  v.instances.forEach((i, n) => {
    if (names.has(i.name)) issues.push({ path: ['vrrp', 'instances', n, 'name'], message: `duplicate vrrp instance ${i.name}` });
    names.add(i.name);
  });
  v.syncGroups.forEach((g, n) =>
    g.instances.forEach((i, k) => {
      if (!names.has(i)) issues.push({ path: ['vrrp', 'syncGroups', n, 'instances', k], message: `no vrrp instance ${JSON.stringify(i)}` });
    }),
  );
  return { instances: v.instances.map((i) => ({ ...i })), syncGroups: v.syncGroups.map((g) => ({ ...g })) };
}

function buildNotify(n: ConfigInput['notify']): NotifyDef {
  const e = n.email;
  return {
    email: e
      ? {
          to: e.to,
          from: e.from ?? `rsguard@${hostname()}`,
          routerId: e.routerId ?? hostname(),
          smtp: { host: e.smtp.host, port: e.smtp.port, connectTimeoutMs: e.smtp.connectTimeout, helo: e.smtp.helo, secure: e.smtp.secure, requireTls: e.smtp.requireTls, auth: e.smtp.auth },
          digestWindowMs: e.digestWindow,
          reminderIntervalMs: e.reminderInterval,
          spoolDir: e.spoolDir,
        }
      : null,
    ...(n.transitionLog ? { transitionLog: n.transitionLog } : {}),
    ...(n.keepalivedFifo ? { keepalivedFifo: n.keepalivedFifo } : {}),
    vrrpSpoolDir: n.vrrpSpoolDir,
    hookTimeoutMs: n.hookTimeout,
  };
}

function buildBalancer(b: ConfigInput['balancer']): BalancerDef {
  const { kind, ...fields } = b;
  return balancerFor(kind)!.build(fields as never);
}

function buildVirtualService(
  vs: VirtualServiceInput,
  path: PathSegment[],
  defaults: Partial<TimingInput>,
  checks: Map<string, CheckDef>,
  issues: PathIssue[],
  tlsCa: string | undefined,
): VirtualServiceDef | undefined {
  let host: string | undefined;
  let port: number | undefined;
  let family: 'inet' | 'inet6' = vs.family ?? 'inet';
  let key: string;
  if (vs.address !== undefined) {
    const hp = parseHostPort(vs.address);
    if (typeof hp === 'string') return void issues.push({ path: [...path, 'address'], message: hp });
    if (hp.port === undefined) return void issues.push({ path: [...path, 'address'], message: 'a virtual service address needs a port (or use fwmark; port 0 with persistence for every port)' });
    // ipvsadm refuses it too ("Zero port specified for non-persistent service").
    if (hp.port === 0 && !vs.persistence) return void issues.push({ path: [...path, 'address'], message: 'port 0 (every port) needs persistence, as IPVS requires' });
    host = hp.host;
    port = hp.port;
    family = hp.family === 6 ? 'inet6' : 'inet';
    key = `${vs.protocol}:${formatHostPort(host, port)}`;
  } else {
    key = `fwmark:${vs.fwmark}:${family}`;
  }
  const sorry = vs.sorryServer === undefined ? null : typeof vs.sorryServer === 'string' ? { address: vs.sorryServer } : vs.sorryServer;
  let sorryServer: VirtualServiceDef['sorryServer'] = null;
  if (sorry) {
    const hp = parseHostPort(sorry.address);
    if (typeof hp === 'string') issues.push({ path: [...path, 'sorryServer'], message: hp });
    else
      sorryServer = {
        host: hp.host,
        port: hp.port ?? port ?? 0,
        forwarding: (('forwarding' in sorry && sorry.forwarding) || vs.forwarding) as Forwarding,
        ...withOptions(typeof sorry === 'object' ? balancerOptions(sorry as Record<string, unknown>, BALANCER_FIELDS.sorryServer) : undefined),
      };
  }
  const realServers: RealServerDef[] = [];
  const seenRs = new Set<string>();
  const vsTiming = pickTiming(vs);
  vs.realServers.forEach((rs, ri) => {
    const rsPath = [...path, 'realServers', ri];
    const hp = parseHostPort(rs.address);
    if (typeof hp === 'string') return void issues.push({ path: [...rsPath, 'address'], message: hp });
    // No port on a fwmark or port-0 service: port 0, IPVS forwards to the port the client asked for.
    const rsPort = hp.port ?? port ?? 0;
    if (rsPort === 0 && port !== undefined && port !== 0) return void issues.push({ path: [...rsPath, 'address'], message: 'port 0 is only for real servers of a fwmark or port-0 virtual service' });
    const rsKey = formatHostPort(hp.host, rsPort);
    if (seenRs.has(rsKey)) return void issues.push({ path: [...rsPath, 'address'], message: `duplicate real server ${rsKey}` });
    seenRs.add(rsKey);
    const rsTiming = pickTiming(rs);
    const checkInputs: CheckInput[] = rs.checks ?? vs.checks ?? [DEFAULT_CHECK];
    const checkPath = rs.checks ? [...rsPath, 'checks'] : vs.checks ? [...path, 'checks'] : rsPath;
    const checkIds: string[] = [];
    checkInputs.forEach((check, ci) => {
      const id = addCheck(check, { host: hp.host, port: rsPort, vip: host, vport: port }, [defaults, vsTiming, rsTiming, pickTiming(check)], checks, [...checkPath, ci], issues, tlsCa);
      if (id && !checkIds.includes(id)) checkIds.push(id);
    });
    realServers.push({
      key: rsKey,
      host: hp.host,
      port: rsPort,
      weight: rs.weight,
      forwarding: rs.forwarding ?? vs.forwarding,
      ...(rs.onDown ? { onDown: rs.onDown } : {}),
      checkIds,
      ...withOptions(balancerOptions(rs as Record<string, unknown>, BALANCER_FIELDS.realServer)),
      ...(rs.notify ? { notify: rs.notify } : {}),
    });
  });
  return {
    key,
    name: vs.name ?? key,
    protocol: vs.address !== undefined ? vs.protocol : 'fwmark',
    family,
    host,
    port,
    fwmark: vs.fwmark,
    scheduler: vs.scheduler,
    forwarding: vs.forwarding,
    persistence: vs.persistence ? { timeoutMs: vs.persistence.timeout, netmask: vs.persistence.netmask } : null,
    sorryServer,
    onDown: vs.onDown,
    slowStartMs: vs.slowStart,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    maxDownFraction: vs.maxDownFraction ?? null,
    intervalMs: Math.max(0, ...realServers.flatMap((r) => r.checkIds.map((id) => checks.get(id)?.timing.intervalMs ?? 0))),
    ...withOptions(balancerOptions(vs as Record<string, unknown>, BALANCER_FIELDS.virtualService)),
    ...(vs.notify ? { notify: vs.notify } : {}),
    realServers,
  };
}

function addCheck(
  check: CheckInput,
  rs: { host: string; port: number; vip: string | undefined; vport: number | undefined },
  layers: Array<Partial<TimingInput>>,
  checks: Map<string, CheckDef>,
  path: PathSegment[],
  issues: PathIssue[],
  tlsCa: string | undefined,
): string | undefined {
  const probe = probeFor(check.kind)!;
  const { kind, host, port, name, ...rest } = check as CheckInput & Record<string, unknown>;
  const spec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (!(TIMING_KEYS as readonly string[]).includes(k)) spec[k] = v;
  // global.tlsCa is the default of every kind that speaks TLS (those whose spec has tlsCa).
  if (tlsCa !== undefined && spec.tlsCa === undefined && 'tlsCa' in probe.spec.shape && (probe.speaksTls?.(spec) ?? true)) spec.tlsCa = tlsCa;
  const connectHost = host ?? rs.host;
  if (host !== undefined && typeof parseHostPort(host) === 'string') {
    issues.push({ path: [...path, 'host'], message: `expected an IP address, got ${JSON.stringify(host)}` });
    return undefined;
  }
  const target: ProbeTarget = { host: connectHost, port: port ?? rs.port };
  if (target.port === 0 && !probe.portless) {
    issues.push({ path, message: `the real server has no port (fwmark or port-0 service): give this ${kind} check a port (keepalived connect_port, ldirectord checkport)` });
    return undefined;
  }
  if (probe.usesVirtual) {
    if (rs.vip !== undefined) target.vip = rs.vip;
    if (rs.vport !== undefined) target.vport = rs.vport;
  }
  if (probe.portless) target.port = port ?? rs.port;
  const timing = resolveTiming(layers);
  const id = stableId({ kind, target, spec, timing });
  if (!checks.has(id)) checks.set(id, { id, identity: stableId({ kind, target, spec }), kind, label: (name as string | undefined) ?? checkLabel(kind, spec, target, host !== undefined), target, spec, timing });
  return id;
}
