import type { Forwarding } from '../../model/model.js';
import { parseFlagList } from './ipvs-options.js';

/**
 * The kernel's IPVS table as `ipvsadm -Sn` prints it: one `-A` line per
 * virtual service, then its `-a` lines. Keys use rsguard's forms
 * (`tcp:10.0.0.1:80`, `udp:[2001:db8::1]:53`, `fwmark:5:inet`, dests `10.0.0.2:80`).
 */
export interface IpvsDest {
  key: string;
  weight: number;
  forwarding: Forwarding;
  /** `ipvsadm -Ln --thresholds` (not in -Sn's output): undefined until read. */
  upperThreshold?: number;
  lowerThreshold?: number;
}

export interface IpvsService {
  key: string;
  scheduler: string;
  persistenceSec: number | null;
  netmask: string | null;
  /** Scheduler flag bits (`-b`, IP_VS_SVC_F_SCHED1..3). */
  flags: number;
  /** The bits of `flags` that -Sn can show: under sh and mh ipvsadm prints no name for flag-3. */
  flagsKnown: number;
  /** One-packet scheduling (`-o`). */
  onePacket: boolean;
  dests: Map<string, IpvsDest>;
}

export type IpvsTable = Map<string, IpvsService>;

export class IpvsParseError extends Error {
  override name = 'IpvsParseError';
}

const FWD: Record<string, Forwarding> = { '-g': 'dr', '-m': 'nat', '-i': 'tun' };
const PROTO: Record<string, string> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };

function serviceKey(tokens: string[]): string {
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (PROTO[t]) return `${PROTO[t]}:${tokens[i + 1]}`;
    if (t === '-f') return `fwmark:${tokens[i + 1]}:${tokens.includes('-6') ? 'inet6' : 'inet'}`;
  }
  throw new IpvsParseError(`no service in ${JSON.stringify(tokens.join(' '))}`);
}

function option(tokens: string[], flag: string): string | undefined {
  const i = tokens.indexOf(flag);
  return i >= 0 ? tokens[i + 1] : undefined;
}

/**
 * `-b` as ipvsadm 1.31 prints it (print_sched_flags): under sh and mh only
 * the fallback and port bits have names, so flag-3 there prints as `-b`
 * with nothing after it (seen in the guest: `-A -t 10.0.0.23:80 -s sh -b `).
 * An empty list is therefore flag-3 alone; beside a named flag, flag-3
 * cannot be seen, and the diff must not compare it (it would edit the
 * service at every reconcile, for ever).
 */
function readFlags(tokens: string[], scheduler: string, line: string): { flags: number; flagsKnown: number } {
  const hashing = scheduler === 'sh' || scheduler === 'mh';
  const i = tokens.indexOf('-b');
  if (i < 0) return { flags: 0, flagsKnown: 0x38 };
  const list = tokens[i + 1];
  if (list === undefined || list.startsWith('-')) return hashing ? { flags: 0x20, flagsKnown: 0x38 } : { flags: 0, flagsKnown: 0x38 };
  const flags = parseFlagList(list);
  if (typeof flags === 'string') throw new IpvsParseError(`${flags} in ${JSON.stringify(line)}`);
  return { flags, flagsKnown: hashing ? 0x18 : 0x38 };
}

export function parseIpvsSave(text: string): IpvsTable {
  const table: IpvsTable = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const tokens = line.split(/\s+/);
    if (tokens[0] === '-A') {
      const key = serviceKey(tokens);
      const p = option(tokens, '-p');
      const scheduler = option(tokens, '-s') ?? 'wlc';
      const { flags, flagsKnown } = readFlags(tokens, scheduler, line);
      table.set(key, { key, scheduler, persistenceSec: p === undefined ? null : Number(p), netmask: option(tokens, '-M') ?? null, flags, flagsKnown, onePacket: tokens.includes('-o'), dests: new Map() });
    } else if (tokens[0] === '-a') {
      const service = table.get(serviceKey(tokens));
      if (!service) throw new IpvsParseError(`real server line before its service: ${JSON.stringify(line)}`);
      const dest = option(tokens, '-r');
      const weight = Number(option(tokens, '-w') ?? '1');
      const fwd = tokens.find((t) => FWD[t]);
      if (!dest || !Number.isFinite(weight)) throw new IpvsParseError(`bad real server line ${JSON.stringify(line)}`);
      service.dests.set(dest, { key: dest, weight, forwarding: fwd ? FWD[fwd]! : 'dr' });
    } else {
      throw new IpvsParseError(`unexpected line from ipvsadm -Sn: ${JSON.stringify(line.slice(0, 80))}`);
    }
  }
  return table;
}

/** ActiveConn of one destination from `ipvsadm -Ln <service>`. */
export function activeConnections(listing: string, destKey: string): number | undefined {
  for (const line of listing.split('\n')) {
    const m = /^\s*->\s+(\S+)\s+\S+\s+\d+\s+(\d+)\s+\d+/.exec(line);
    if (m && m[1] === destKey) return Number(m[2]);
  }
  return undefined;
}

const LIST_PROTO: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/**
 * Upper and lower connection thresholds per destination from
 * `ipvsadm -Ln --thresholds` (ipvsadm -Sn leaves -x and -y out), written
 * into the table read with -Sn. A service line is `TCP  10.0.0.1:80 sh ...`
 * or `FWM  5 rr` (`FWM  5 IPv6 rr`); a destination line is
 * `  -> 10.0.0.2:80  Uthreshold Lthreshold ActiveConn InActConn`.
 */
export function addThresholds(table: IpvsTable, listing: string): void {
  let service: IpvsService | undefined;
  for (const line of listing.split('\n')) {
    const svc = /^(TCP|UDP|SCTP|FWM)\s+(\S+)(\s+IPv6)?\s/.exec(line);
    if (svc) {
      const key = svc[1] === 'FWM' ? `fwmark:${svc[2]}:${svc[3] ? 'inet6' : 'inet'}` : `${LIST_PROTO[svc[1]!]}:${svc[2]}`;
      service = table.get(key);
      continue;
    }
    const dest = /^\s*->\s+(\S+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+/.exec(line);
    const d = dest && service?.dests.get(dest[1]!);
    if (d) {
      d.upperThreshold = Number(dest![2]);
      d.lowerThreshold = Number(dest![3]);
    }
  }
}

/** `ipvsadm -L --timeout`: `Timeout (tcp tcpfin udp): 900 120 300`. */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export function parseTimeouts(text: string): IpvsTimeouts {
  const m = /Timeout \(tcp tcpfin udp\):\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text);
  if (!m) throw new IpvsParseError(`unexpected output from ipvsadm -L --timeout: ${JSON.stringify(text.trim().slice(0, 80))}`);
  return { tcp: Number(m[1]), tcpFin: Number(m[2]), udp: Number(m[3]) };
}
