import type { VirtualServiceDef } from '../../model/model.js';
import { formatHostPort } from '../../lib/address.js';
import type { BalancerNote, DesiredService, LeftAlone } from '../actuator.js';
import type { Owned } from '../ownership.js';
import { flagNames, serverOptions, serviceOptions, type ServerOptions } from './ipvs-options.js';
import type { IpvsDest, IpvsService, IpvsTable, IpvsTimeouts } from './ipvs-table.js';

export interface IpvsCommand {
  vs: string;
  args: string[];
  /** Set on `-A`: the virtual service key this command creates. */
  creates?: string;
  /** Set on `-D`: the virtual service key this command deletes. */
  deletes?: string;
  /** Set on cleanStop's commands (a failed batch is planned again as a stop, not as a reconcile). */
  stop?: true;
}

/**
 * What to do with destinations of a configured service that rsguard did not
 * add and the config does not name (a real server an operator added by hand),
 * and with the scheduler and persistence of a service that was there before
 * rsguard: `keep` leaves them (told once, shown in status); `remove` makes the
 * config the whole truth, as ldirectord does at start and on reload.
 */
export type ForeignServers = 'keep' | 'remove';

export interface IpvsPlanOptions {
  foreignServers: ForeignServers;
  /** `desired` is every virtual service of the config: services rsguard created beyond it are deleted (a reload dropped them). */
  complete: boolean;
  /** The connection timeouts the config sets (seconds; 0 or missing: left as they are) and the kernel's now. */
  timeouts?: { wanted: Partial<IpvsTimeouts>; current: IpvsTimeouts };
}

export interface IpvsPlan {
  commands: IpvsCommand[];
  /** The ownership record once these commands have run (claims are written before they run). */
  owned: Owned;
  /** Per planned service found in the table: what is left as found. */
  leftAlone: Map<string, LeftAlone>;
  /** Foreign destinations deleted under `foreignServers: remove`, told each time. */
  removed: BalancerNote[];
}

const FWD_FLAG = { dr: '-g', nat: '-m', tun: '-i' } as const;
/** ipvsadm takes weights above 65535 without complaint; the kernel field is not that wide in meaning. */
export const IPVS_MAX_WEIGHT = 65535;

export function serviceArgs(vs: Pick<VirtualServiceDef, 'protocol' | 'fwmark' | 'family' | 'key'>): string[] {
  if (vs.protocol === 'fwmark') return ['-f', String(vs.fwmark), ...(vs.family === 'inet6' ? ['-6'] : [])];
  // ipvsadm has no short option for SCTP; -Sn prints services with --sctp-service as well (ipvsadm.c print_service_entry).
  return [vs.protocol === 'udp' ? '-u' : vs.protocol === 'sctp' ? '--sctp-service' : '-t', vs.key.slice(vs.key.indexOf(':') + 1)];
}

/** The ipvsadm service options of a key from `ipvsadm -Sn` (`tcp:10.0.0.1:80`, `fwmark:5:inet6`): a service no longer in the config has only its key. */
function keyArgs(key: string): string[] {
  const protocol = key.slice(0, key.indexOf(':')) as VirtualServiceDef['protocol'];
  if (protocol === 'fwmark') {
    const [, mark, family] = key.split(':');
    return serviceArgs({ protocol, fwmark: Number(mark), family: family === 'inet6' ? 'inet6' : 'inet', key });
  }
  return serviceArgs({ protocol, key, family: 'inet' });
}

function persistenceSec(vs: VirtualServiceDef): number | null {
  return vs.persistence ? Math.max(1, Math.ceil(vs.persistence.timeoutMs / 1000)) : null;
}

/** The whole service definition: `-E` sets every field, so a flag or `-o` left out is cleared. */
function serviceDefinition(vs: VirtualServiceDef): string[] {
  const p = persistenceSec(vs);
  const o = serviceOptions(vs);
  const args = ['-s', vs.scheduler];
  if (o.flags) args.push('-b', flagNames(o.flags, vs.scheduler));
  if (p !== null) {
    args.push('-p', String(p));
    if (vs.persistence?.netmask) args.push('-M', vs.persistence.netmask);
  }
  if (o.onePacket) args.push('-o');
  return args;
}

/** `-x`/`-y` when set; left out they are 0, so `-e` clears a threshold the config does not give. */
function thresholdArgs(o: ServerOptions): string[] {
  return [...(o.upperThreshold ? ['-x', String(o.upperThreshold)] : []), ...(o.lowerThreshold ? ['-y', String(o.lowerThreshold)] : [])];
}

/** Thresholds are compared only where they were read (`ipvsadm -Ln --thresholds`, asked when the config gives any). */
function thresholdsDiffer(d: IpvsDest, o: ServerOptions): boolean {
  return d.upperThreshold !== undefined && (d.upperThreshold !== o.upperThreshold || (d.lowerThreshold ?? 0) !== o.lowerThreshold);
}

/** Where the table's service differs from the config, in words (empty: it matches). A /32 netmask is what no netmask means. */
function settingDifferences(vs: VirtualServiceDef, current: IpvsService): string[] {
  const out: string[] = [];
  const p = persistenceSec(vs);
  const seconds = (s: number | null) => (s === null ? 'none' : `${s} s`);
  const mask = (m: string | null | undefined) => (m && m !== '255.255.255.255' ? m : null);
  const o = serviceOptions(vs);
  if (current.scheduler !== vs.scheduler) out.push(`scheduler ${current.scheduler} (config: ${vs.scheduler})`);
  if ((current.flags & current.flagsKnown) !== (o.flags & current.flagsKnown)) out.push(`scheduler flags ${flagNames(current.flags, current.scheduler) || 'none'} (config: ${flagNames(o.flags, vs.scheduler) || 'none'})`);
  if (current.onePacket !== o.onePacket) out.push(`one-packet scheduling ${current.onePacket ? 'on' : 'off'} (config: ${o.onePacket ? 'on' : 'off'})`);
  if (current.persistenceSec !== p) out.push(`persistence ${seconds(current.persistenceSec)} (config: ${seconds(p)})`);
  else if (p !== null && mask(vs.persistence?.netmask) !== mask(current.netmask)) out.push(`persistence netmask ${current.netmask ?? '255.255.255.255'} (config: ${vs.persistence?.netmask ?? '255.255.255.255'})`);
  return out;
}

/**
 * Where the table holds a member: only NAT maps ports, so ipvsadm puts a
 * DR or TUN destination of an address service on the service's port
 * (ipvsadm.c: the port is taken from the service unless the method is
 * masquerading). Diffing on the configured port instead added `:80` and
 * deleted the `:8080` the kernel showed at every reconcile, for ever (an
 * ldirectord fallback `127.0.0.1:80 gate` on a `:8080` virtual).
 */
function kernelKey(vs: VirtualServiceDef, m: { key: string; host: string; port: number; forwarding: string }): string {
  if (m.forwarding === 'nat' || vs.protocol === 'fwmark' || !vs.port || m.port === vs.port) return m.key;
  return formatHostPort(m.host, vs.port);
}

/** Every destination the config names for a service, whether or not it is in the pool now. */
function configuredKeys(vs: VirtualServiceDef): Set<string> {
  const keys = new Set(vs.realServers.map((rs) => kernelKey(vs, rs)));
  const s = vs.sorryServer;
  if (s) keys.add(kernelKey(vs, { ...s, key: formatHostPort(s.host, s.port) }));
  return keys;
}

/**
 * The ipvsadm argv lists that make the kernel table match the desired pools,
 * and the ownership record that follows. Services outside the config are
 * never touched, except those rsguard created, which a complete plan deletes.
 * A destination is rsguard's when the config names it or rsguard managed it
 * before (a real server since dropped from the config); any other one, and
 * the scheduler and persistence of a service rsguard found, are left as
 * found unless `foreignServers` is `remove`. Additions and edits come before
 * deletions, so a pool never passes through empty when the sorry server
 * replaces the last real server.
 */
export function planIpvs(desired: DesiredService[], table: IpvsTable, owned: Owned, opts: IpvsPlanOptions): IpvsPlan {
  const first: IpvsCommand[] = [];
  const last: IpvsCommand[] = [];
  const services = new Set<string>();
  const members = new Map<string, ReadonlySet<string>>();
  const leftAlone = new Map<string, LeftAlone>();
  const removed: BalancerNote[] = [];
  const remove = opts.foreignServers === 'remove';
  if (opts.timeouts) {
    const { wanted, current } = opts.timeouts;
    const keys = ['tcp', 'tcpFin', 'udp'] as const;
    // --set takes all three; 0 leaves one as it is (ipvsadm.c: a zero timeout is not changed).
    if (keys.some((k) => wanted[k] && wanted[k] !== current[k])) first.push({ vs: 'ipvs', args: ['--set', ...keys.map((k) => String(wanted[k] ?? 0))] });
  }
  for (const { vs, plan } of desired) {
    const svc = serviceArgs(vs);
    const current = table.get(vs.key);
    // A claim on a service that is gone from the table is void: whoever makes one there again owns it.
    const created = !current || owned.services.has(vs.key);
    if (created) services.add(vs.key);
    const differences = current ? settingDifferences(vs, current) : [];
    if (!current) first.push({ vs: vs.name, args: ['-A', ...svc, ...serviceDefinition(vs)], creates: vs.key });
    else if (differences.length && (created || remove)) first.push({ vs: vs.name, args: ['-E', ...svc, ...serviceDefinition(vs)] });
    const dests = current?.dests ?? new Map();
    const wanted = new Set<string>();
    // Thresholds are rare: a map of the servers that have them, not a search of the service per member (quadratic).
    const withOptions = new Map(vs.realServers.filter((rs) => rs.balancerOptions?.ipvs).map((rs) => [rs.key, rs]));
    for (const m of plan.members) {
      const key = kernelKey(vs, m);
      wanted.add(key);
      const weight = String(Math.min(IPVS_MAX_WEIGHT, Math.max(0, m.weight)));
      const o = serverOptions(m.role === 'real' ? withOptions.get(m.key) : undefined);
      const d = dests.get(key);
      if (!d) first.push({ vs: vs.name, args: ['-a', ...svc, '-r', key, FWD_FLAG[m.forwarding], '-w', weight, ...thresholdArgs(o)] });
      else if (d.weight !== m.weight || d.forwarding !== m.forwarding || thresholdsDiffer(d, o)) first.push({ vs: vs.name, args: ['-e', ...svc, '-r', key, FWD_FLAG[m.forwarding], '-w', weight, ...thresholdArgs(o)] });
    }
    const configured = configuredKeys(vs);
    const managed = owned.members.get(vs.key) ?? new Set<string>();
    const foreign: LeftAlone['foreign'] = [];
    for (const d of dests.values()) {
      if (wanted.has(d.key)) continue;
      const ours = configured.has(d.key) || managed.has(d.key);
      if (ours || remove) last.push({ vs: vs.name, args: ['-d', ...svc, '-r', d.key] });
      if (ours) continue;
      if (remove) removed.push({ vs: vs.name, member: d.key, message: `${d.key} is in the IPVS table but not in the config: removed (foreignServers: remove)` });
      else foreign.push({ server: d.key, forwarding: d.forwarding, weight: d.weight });
    }
    // Remembered while it is in the table or about to be: a member the config drops later is still known to be rsguard's, across a restart.
    members.set(vs.key, new Set([...managed, ...configured].filter((k) => dests.has(k) || wanted.has(k))));
    if (current) leftAlone.set(vs.key, { adopted: !created, foreign, settings: created || remove ? [] : differences });
  }
  const configuredServices = new Set(desired.map((d) => d.vs.key));
  for (const key of owned.services) {
    if (configuredServices.has(key)) continue;
    if (!opts.complete) {
      services.add(key);
      continue;
    }
    // Kept until the table shows it gone, so a -D that fails is tried again.
    if (!table.has(key)) continue;
    services.add(key);
    last.push({ vs: key, args: ['-D', ...keyArgs(key)], deletes: key });
  }
  // A partial plan says nothing of the services it does not cover; a complete one forgets the members of services it no longer manages.
  if (!opts.complete) for (const [key, keys] of owned.members) if (!configuredServices.has(key)) members.set(key, keys);
  return { commands: [...first, ...last], owned: { services, members }, leftAlone, removed };
}

/**
 * `ipvsadm -D` for every configured service still in the table that rsguard
 * created (ldirectord cleanstop). One that was there before rsguard started
 * is adopted for its weights but never deleted.
 */
export function cleanStopCommands(desired: DesiredService[], table: IpvsTable, created: ReadonlySet<string>): IpvsCommand[] {
  return desired.filter(({ vs }) => table.has(vs.key) && created.has(vs.key)).map(({ vs }) => ({ vs: vs.name, args: ['-D', ...serviceArgs(vs)], deletes: vs.key, stop: true }));
}
