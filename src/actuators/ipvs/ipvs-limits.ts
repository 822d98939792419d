import net from 'node:net';

/**
 * The limits the kernel's IPVS and keepalived put on the sync daemon and the
 * connection timeouts, in one place: the ipvs balancer's schema refuses what
 * is outside them and the keepalived.conf import skips it with keepalived's
 * words, so the two cannot disagree.
 */

/** ip_vs.h IP_VS_IFNAME_MAXLEN (16, with its NUL); keepalived refuses a longer name ("interface name too long"). */
export const IFNAME_MAX = 15;

/** keepalived global_data.h LVS_MAX_TIMEOUT: lvs_timeouts values are read up to 31 days, in seconds. */
export const LVS_MAX_TIMEOUT_SEC = 86400 * 31;

/** The sync daemon's numeric settings, [min, max] as keepalived's lvs_syncd_handler reads them (maxlen: a UDP datagram's payload). */
export const SYNC_DAEMON_RANGES = {
  syncId: [0, 255],
  maxLen: [1, 65535 - 20 - 8],
  port: [1, 65535],
  ttl: [1, 255],
} as const satisfies Record<string, readonly [number, number]>;

/** A sync daemon's group: an IPv4 (224.0.0.0/4) or IPv6 (ff00::/8) multicast address. */
export function isMulticast(a: string): boolean {
  if (net.isIPv4(a)) {
    const first = Number(a.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return net.isIPv6(a) && /^ff/i.test(a);
}
