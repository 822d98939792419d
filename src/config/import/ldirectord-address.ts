import net from 'node:net';
import { parseHostPort, type HostPort } from '../../lib/address.js';
import { SERVICE_PORTS } from './imported.js';
import { isHostName, type LdNames } from './ldirectord-names.js';

/** A host name the resolver gave no address for: the environment's trouble (DNS), not the file's. */
export interface Unresolved {
  unresolved: string;
  why: string;
}

export function isUnresolved(r: HostPort | string | Unresolved): r is Unresolved {
  return typeof r === 'object' && 'unresolved' in r;
}

/** Where an unresolved name stops the load (a virtual, a fallback): the refusal ld_gethostbyname's callers give. */
export function unresolvedAsError(r: HostPort | string | Unresolved): HostPort | string {
  return isUnresolved(r) ? `cannot resolve ${JSON.stringify(r.unresolved)}: ${r.why}` : r;
}

/**
 * ldirectord takes `ip:port`, `host:port` and service names (`:http`), like
 * getaddrinfo/getservbyname; names are resolved at load (ldirectord-names.ts).
 */
export async function resolveHostPort(text: string, family: 4 | 6, names: LdNames): Promise<HostPort | string | Unresolved> {
  let s = text.trim();
  const named = /^(.*):([a-z][a-z0-9-]*)$/i.exec(s);
  if (named && !net.isIPv6(s)) {
    const port = SERVICE_PORTS[named[2]!.toLowerCase()];
    if (port === undefined) return `unknown service name ${JSON.stringify(named[2])} in ${JSON.stringify(text)}`;
    s = `${named[1]}:${port}`;
  }
  const direct = parseHostPort(s);
  if (typeof direct !== 'string') return direct;
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(s);
  if (!m || !isHostName(m[1]!)) return direct;
  const answer = await names.resolve(m[1]!, family);
  if ('failed' in answer) return { unresolved: m[1]!, why: answer.failed };
  const port = m[2] === undefined ? undefined : Number(m[2]);
  return { host: answer.address, port, family };
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

const MAX_RANGE = 4096;

/** `real=192.168.1.1->192.168.1.5:80` expands to five real servers (IPv4 only, as in ldirectord). */
export async function expandRange(spec: string, family: 4 | 6, names: LdNames): Promise<Array<{ host: string; port: number | undefined }> | string> {
  const m = /^([\d.]+)->([\d.]+)(?::(\S+))?$/.exec(spec);
  if (!m) {
    const hp = unresolvedAsError(await resolveHostPort(spec, family, names));
    return typeof hp === 'string' ? hp : [{ host: hp.host, port: hp.port }];
  }
  if (family === 6) return 'address ranges are IPv4 only';
  if (!net.isIPv4(m[1]!) || !net.isIPv4(m[2]!)) return `bad address range ${JSON.stringify(spec)}`;
  const port = m[3] === undefined ? undefined : unresolvedAsError(await resolveHostPort(`${m[1]}:${m[3]}`, 4, names));
  if (typeof port === 'string') return port;
  const from = ipv4ToInt(m[1]!);
  const to = ipv4ToInt(m[2]!);
  if (to < from) return `address range ${JSON.stringify(spec)} runs backwards`;
  if (to - from >= MAX_RANGE) return `address range ${JSON.stringify(spec)} has more than ${MAX_RANGE} addresses`;
  const out: Array<{ host: string; port: number | undefined }> = [];
  for (let n = from; n <= to; n++) out.push({ host: intToIpv4(n), port: port?.port });
  return out;
}
