import { BALANCER_FIELDS, balancerFor, balancerOptions } from '../actuators/registry.js';

const withOptions = (o: Record<string, unknown> | undefined) => (o ? { balancerOptions: o } : {});
import { parseHostPort, formatHostPort } from '../lib/address.js';
import type { PathSegment } from './errors.js';
import { hostname } from 'node:os';
import type { BalancerDef, CheckDef, Forwarding, LogTarget, NotifyDef, GlobalDef, Model, RealServerDef, VirtualServiceDef } from '../model/model.js';
import { DEFAULT_CHECK, SYSLOG_FACILITIES, type CheckInput, type ConfigInput, type TimingInput, type VirtualServiceInput, type VrrpInput } from './schema.js';
import { addChecks, pickTiming, type PathIssue } from './build-check.js';
import { resolveTracks, type PendingTrack } from './build-track.js';
import { passiveIssues } from './build-passive.js';


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
      ...(input.global.probeThreads !== undefined ? { probeThreads: input.global.probeThreads } : {}),
      startupSpreadMs: input.global.startupSpread,
      autoReload: input.global.autoReload,
      ...(input.global.maintenanceDir ? { maintenanceDir: input.global.maintenanceDir } : {}),
      ...(input.global.stateFile !== undefined ? { stateFile: input.global.stateFile } : {}),
      health: { maxBlindFraction: input.global.health.maxBlindFraction, fileWeight: input.global.health.fileWeight, ...(input.global.health.file ? { file: input.global.health.file } : {}) },
      ...(input.global.apiToken ? { apiToken: input.global.apiToken } : {}),
      ...(input.global.apiTokenFile ? { apiTokenFile: input.global.apiTokenFile } : {}),
    };
  }
  const checks = new Map<string, CheckDef>();
  const seenVs = new Map<string, number>();
  const virtualServices: VirtualServiceDef[] = [];
  const identity = balancerFor(input.balancer.kind)!.identity;
  const tracks: PendingTrack[] = [];
  const inputIndex = new Map<VirtualServiceDef, number>();
  input.virtualServices.forEach((vs, vi) => {
    const built = buildVirtualService(vs, ['virtualServices', vi], input.global.checkDefaults, checks, issues, input.global.tlsCa, tracks);
    if (!built) return;
    // The balancer's own name for it when it has one (HAProxy: the backend), else protocol and address.
    const own = identity?.(built);
    if (own !== undefined) {
      built.key = own;
      if (vs.name === undefined) built.name = own;
    }
    const prev = seenVs.get(built.key);
    if (prev !== undefined) issues.push({ path: ['virtualServices', vi], message: `duplicate virtual service ${built.key} (also virtualServices[${prev}])` });
    seenVs.set(built.key, vi);
    virtualServices.push(built);
    inputIndex.set(built, vi);
  });
  resolveTracks(tracks, virtualServices, checks, issues);
  issues.push(...passiveIssues(input, inputIndex, checks));
  const balancer = buildBalancer(input.balancer);
  for (const p of balancerFor(balancer.kind)!.validate?.(virtualServices) ?? []) issues.push({ path: ['virtualServices', p.index], message: p.message });
  // Before the verdict: a duplicate vrrp instance, or a sync daemon whose id cannot be resolved, refuses the config.
  const vrrp = buildVrrp(input.vrrp, issues);
  for (const message of balancerFor(balancer.kind)!.resolve?.(balancer, vrrp) ?? []) issues.push({ path: ['balancer', message.slice(0, message.indexOf(':'))], message: message.slice(message.indexOf(':') + 2) });
  if (issues.length || !global) return { issues };
  const queue = { prefix: input.queue.prefix, ...(input.queue.redis ? { redis: input.queue.redis } : {}), ...(input.queue.staleAfter !== undefined ? { staleAfterMs: input.queue.staleAfter } : {}), ...(input.queue.leaseTime !== undefined ? { leaseMs: input.queue.leaseTime } : {}) };
  return { model: { source, format: 'rsguard-yaml', global, balancer, notify: buildNotify(input.notify), queue, virtualServices, vrrp, checks, warnings: [] }, issues };
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
  tracks: PendingTrack[],
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
    {
      const sorryPort = hp.port ?? port ?? 0;
      // A dead sorry server put in fails every request: it is checked too, by default with a plain connect where there is a TCP port to connect to.
      const own = 'checks' in sorry ? sorry.checks : undefined;
      // Not one at the virtual's own address and port (a director serving its sorry page itself): a connect to it from
      // here reaches the balancer, which sends it to this very service (IPVS balances local clients too), not the sorry server.
      const itself = hp.host === host && sorryPort === port;
      const inputs: CheckInput[] = own ?? (vs.address !== undefined && vs.protocol === 'tcp' && sorryPort !== 0 && !itself ? [DEFAULT_CHECK] : []);
      // Checked on the real servers' cadence: importers put keepalived's delay_loop and retry on each check, not on the virtual.
      const firstRs = vs.realServers[0];
      const firstCheck = (firstRs?.checks ?? vs.checks)?.[0];
      const realTiming = [firstRs ? pickTiming(firstRs) : {}, firstCheck ? pickTiming(firstCheck) : {}];
      const checkIds = addChecks(inputs, { host: hp.host, port: sorryPort, vip: host, vport: port }, [defaults, pickTiming(vs), ...realTiming], checks, [...path, 'sorryServer', 'checks'], issues, tlsCa);
      sorryServer = {
        host: hp.host,
        port: sorryPort,
        forwarding: (('forwarding' in sorry && sorry.forwarding) || vs.forwarding) as Forwarding,
        checkIds,
        ...withOptions(typeof sorry === 'object' ? balancerOptions(sorry as Record<string, unknown>, BALANCER_FIELDS.sorryServer) : undefined),
      };
    }
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
    // A tracking server has no checks of its own, not even the virtual service's: HAProxy refuses both on one server. Its own agent it runs.
    if (rs.track && rs.checks?.some((c) => c.kind !== 'agent')) issues.push({ path: [...rsPath, 'track'], message: 'a server that tracks another has no checks of its own but agent checks: drop its checks or the track (HAProxy: "unable to enable checks and tracking at the same time")' });
    const checkInputs: CheckInput[] = rs.track ? (rs.checks ?? []).filter((c) => c.kind === 'agent') : (rs.checks ?? vs.checks ?? [DEFAULT_CHECK]);
    const checkPath = rs.checks ? [...rsPath, 'checks'] : vs.checks ? [...path, 'checks'] : rsPath;
    const checkIds = addChecks(checkInputs, { host: hp.host, port: rsPort, vip: host, vport: port }, [defaults, vsTiming, rsTiming], checks, checkPath, issues, tlsCa);
    const def: RealServerDef = {
      key: rsKey,
      host: hp.host,
      port: rsPort,
      weight: rs.weight,
      forwarding: rs.forwarding ?? vs.forwarding,
      ...(rs.onDown ? { onDown: rs.onDown } : {}),
      checkIds,
      ...withOptions(balancerOptions(rs as Record<string, unknown>, BALANCER_FIELDS.realServer)),
      ...(rs.notify ? { notify: rs.notify } : {}),
    };
    if (rs.track) tracks.push({ rs: def, own: checkIds, want: rs.track, path: [...rsPath, 'track'] });
    realServers.push(def);
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
