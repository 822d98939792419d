import type { VirtualServiceDef } from '../../config/model.js';
import { formatHostPort } from '../../lib/address.js';
import type { DesiredService } from '../actuator.js';
import type { IpvsTable } from './ipvs-table.js';

export interface IpvsCommand {
  vs: string;
  args: string[];
  /** Set on `-A`: the virtual service key this command creates. */
  creates?: string;
  /** Set on cleanStop's `-D`: the virtual service key this command deletes. */
  deletes?: string;
}

const FWD_FLAG = { dr: '-g', nat: '-m', tun: '-i' } as const;
/** ipvsadm takes weights above 65535 without complaint; the kernel field is not that wide in meaning. */
export const IPVS_MAX_WEIGHT = 65535;

export function serviceArgs(vs: VirtualServiceDef): string[] {
  if (vs.protocol === 'fwmark') return ['-f', String(vs.fwmark), ...(vs.family === 'inet6' ? ['-6'] : [])];
  // ipvsadm has no short option for SCTP; -Sn prints services with --sctp-service as well (ipvsadm.c print_service_entry).
  return [vs.protocol === 'udp' ? '-u' : vs.protocol === 'sctp' ? '--sctp-service' : '-t', vs.key.slice(vs.key.indexOf(':') + 1)];
}

function persistenceSec(vs: VirtualServiceDef): number | null {
  return vs.persistence ? Math.max(1, Math.ceil(vs.persistence.timeoutMs / 1000)) : null;
}

function serviceDefinition(vs: VirtualServiceDef): string[] {
  const p = persistenceSec(vs);
  const args = ['-s', vs.scheduler];
  if (p !== null) {
    args.push('-p', String(p));
    if (vs.persistence?.netmask) args.push('-M', vs.persistence.netmask);
  }
  return args;
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

/**
 * The ipvsadm argv lists that make the kernel table match the desired pools,
 * for the virtual services rsguard owns (those in its config); others are
 * never touched. Additions and edits come before deletions, so a pool never
 * passes through empty when the sorry server replaces the last real server.
 */
export function diffIpvs(desired: DesiredService[], table: IpvsTable): IpvsCommand[] {
  const first: IpvsCommand[] = [];
  const last: IpvsCommand[] = [];
  for (const { vs, plan } of desired) {
    const svc = serviceArgs(vs);
    const current = table.get(vs.key);
    if (!current) first.push({ vs: vs.name, args: ['-A', ...svc, ...serviceDefinition(vs)], creates: vs.key });
    else {
      const wantNetmask = vs.persistence?.netmask && vs.persistence.netmask !== '255.255.255.255' ? vs.persistence.netmask : null;
      const haveNetmask = current.netmask && current.netmask !== '255.255.255.255' ? current.netmask : null;
      if (current.scheduler !== vs.scheduler || current.persistenceSec !== persistenceSec(vs) || (persistenceSec(vs) !== null && wantNetmask !== haveNetmask)) {
        first.push({ vs: vs.name, args: ['-E', ...svc, ...serviceDefinition(vs)] });
      }
    }
    const dests = current?.dests ?? new Map();
    const wanted = new Set<string>();
    for (const m of plan.members) {
      const key = kernelKey(vs, m);
      wanted.add(key);
      const weight = String(Math.min(IPVS_MAX_WEIGHT, Math.max(0, m.weight)));
      const d = dests.get(key);
      if (!d) first.push({ vs: vs.name, args: ['-a', ...svc, '-r', key, FWD_FLAG[m.forwarding], '-w', weight] });
      else if (d.weight !== m.weight || d.forwarding !== m.forwarding) first.push({ vs: vs.name, args: ['-e', ...svc, '-r', key, FWD_FLAG[m.forwarding], '-w', weight] });
    }
    for (const key of dests.keys()) if (!wanted.has(key)) last.push({ vs: vs.name, args: ['-d', ...svc, '-r', key] });
  }
  return [...first, ...last];
}

/**
 * `ipvsadm -D` for every configured service still in the table that rsguard
 * created (ldirectord cleanstop). One that was there before rsguard started
 * is adopted for its weights but never deleted.
 */
export function cleanStopCommands(desired: DesiredService[], table: IpvsTable, created: ReadonlySet<string>): IpvsCommand[] {
  return desired.filter(({ vs }) => table.has(vs.key) && created.has(vs.key)).map(({ vs }) => ({ vs: vs.name, args: ['-D', ...serviceArgs(vs)], deletes: vs.key }));
}
