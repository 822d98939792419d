import net from 'node:net';

export interface HostPort {
  host: string;
  port: number | undefined;
  family: 4 | 6;
}

/**
 * Parses `10.0.0.1:80`, `10.0.0.1`, `[2001:db8::1]:80`, `2001:db8::1` (no port).
 * Port 0 is returned as 0; callers that need a real port say so.
 * Only IP literals: IPVS and the HAProxy runtime API both need addresses.
 */
export function parseHostPort(text: string): HostPort | string {
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
  } else if (net.isIPv6(s)) {
    host = s;
  } else {
    const colon = s.lastIndexOf(':');
    host = colon >= 0 ? s.slice(0, colon) : s;
    portText = colon >= 0 ? s.slice(colon + 1) : undefined;
  }
  const family = net.isIP(host);
  // One spelling per address (2001:db8:0::1 → 2001:db8::1), as ipvsadm and HAProxy print them.
  if (family === 6) host = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  if (family !== 4 && family !== 6) return `expected an IP address (IPv6 in brackets when a port follows), got ${JSON.stringify(text)}`;
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    // Port 0 is IPVS's "every port" (a persistent `-t VIP:0` service, the real servers of a fwmark service).
    if (!/^\d+$/.test(portText) || port > 65535) return `port must be 0-65535, got ${JSON.stringify(portText)}`;
  }
  return { host, port, family };
}

export function formatHostPort(host: string, port: number | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** How a virtual service is named to people (logs, mail, summaries): `10.0.0.1:80`, `[2001:db8::1]:80`, `fwmark 5`. */
export function vsAddress(vs: { protocol: string; host?: string; port?: number; fwmark?: number }): string {
  return vs.protocol === 'fwmark' ? `fwmark ${vs.fwmark}` : formatHostPort(vs.host!, vs.port);
}
