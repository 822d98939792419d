import net from 'node:net';
import { formatHostPort } from '../../lib/address.js';
import { CHECKERS, checkerToChecks } from './keepalived-checkers.js';
import type { KaNode } from './keepalived-parser.js';
import { kaBool, kaNumber, missingParameter, readInherited, tolerate, unknownKeyword, type Inherited, type KaSink } from './keepalived-sink.js';
import { scriptLine } from './keepalived-split.js';
import { IPVS_MAX_THRESHOLD } from '../../actuators/ipvs/ipvs-options.js';
import type { TrackFiles } from './keepalived-track-file.js';

export const FORWARDING: Record<string, string> = { DR: 'dr', NAT: 'nat', TUN: 'tun' };
/** ...and in a real_server (no lb_kind there: only lvs_method). */
const RS_KEYWORDS = new Set([
  'weight', 'lvs_method', 'uthreshold', 'lthreshold', 'inhibit_on_failure', 'notify_up', 'notify_down', 'alpha', 'retry', 'delay_before_retry',
  'warmup', 'connect_timeout', 'delay_loop', 'smtp_alert', 'virtualhost', 'snmp_name', ...CHECKERS,
]);


/**
 * svr_forwarding_handler(): NAT, DR or TUN exactly as written ("dr" is
 * "unknown [dr] routing method", logged, and the previous method stays).
 * Tunnel options after TUN are read by keepalived and not by rsguard.
 */
export function forwardingOf(c: KaNode, sink: KaSink, server: string): string | undefined {
  const f = FORWARDING[c.args[0] ?? ''];
  if (!f) {
    tolerate(sink, c, `PARSER : unknown [${c.args[0] ?? ''}] routing method for ${server} server (the previous or default method stays, as in keepalived)`);
    return undefined;
  }
  if (c.args.length > 1) sink.warnings.push(`${c.file}:${c.line}: ${c.key} ${c.args.slice(1).join(' ')}: tunnel options accepted but not acted on`);
  return f;
}

/** A script keyword (quorum_up, notify_up...) as the argv keepalived runs; a user/group after it is not acted on. */
export function scriptOf(c: KaNode, sink: KaSink): string[] | undefined {
  const s = scriptLine(c.raw);
  if (!s.argv) {
    tolerate(sink, c, `unable to parse script (${s.error}) - ignoring`);
    return undefined;
  }
  if (s.extra.length) sink.warnings.push(`${c.file}:${c.line}: ${c.key} user/group ${s.extra.join(' ')} accepted but not acted on (rsguard runs scripts as itself)`);
  return s.argv;
}

export function realServer(r: KaNode, parent: Inherited, defaultWeight: number, sink: KaSink, trackFiles: TrackFiles): (Record<string, unknown> & { inhibit?: boolean }) | undefined {
  const [ip, port] = r.args;
  if (!ip || !net.isIP(ip) || (port !== undefined && (!/^\d+$/.test(port) || Number(port) > 65535))) {
    // alloc_rs(): "Invalid real server ip address/port %s/%s - skipping", block and all.
    tolerate(sink, r, `invalid real server ip address/port ${JSON.stringify(r.args.join(' '))} - skipping`);
    return undefined;
  }
  const own: Inherited = { ...parent };
  // Port 0 is no port (alloc_rs: inet_stosockaddr rejects port 0).
  const rs: Record<string, unknown> & { inhibit?: boolean } = { address: formatHostPort(ip, port && Number(port) ? Number(port) : undefined), weight: defaultWeight, line: r.line };
  const checkerNodes: KaNode[] = [];
  const thresholds: { upperThreshold?: number; lowerThreshold?: number } = {};
  let thresholdLine: KaNode | undefined;
  let notified = new Set<string>();
  for (const c of r.children ?? []) {
    if (!RS_KEYWORDS.has(c.key)) {
      unknownKeyword(sink, c);
      continue;
    }
    if (missingParameter(c, sink)) continue;
    if (readInherited(c, own, sink)) continue;
    if (CHECKERS.has(c.key)) checkerNodes.push(c);
    else if (c.key === 'weight') rs.weight = kaNumber(c, sink, 0, true, 65535) ?? rs.weight;
    else if (c.key === 'lvs_method') rs.forwarding = forwardingOf(c, sink, 'real') ?? rs.forwarding;
    else if (c.key === 'inhibit_on_failure') rs.inhibit = kaBool(c, sink) ?? rs.inhibit;
    else if (c.key === 'uthreshold' || c.key === 'lthreshold') {
      const v = c.args[0] ?? '';
      // uthreshold_handler: read_unsigned_strvec(0, UINT_MAX) or "Invalid real_server uthreshold '%s' - ignoring".
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) tolerate(sink, c, `Invalid real_server ${c.key} '${v}' - ignoring`);
      else if (Number(v) > IPVS_MAX_THRESHOLD) sink.errors.push({ file: c.file, line: c.line, path: c.key, message: `${c.key} ${v}: rsguard sets thresholds through ipvsadm, which takes at most ${IPVS_MAX_THRESHOLD}` });
      else thresholds[c.key === 'uthreshold' ? 'upperThreshold' : 'lowerThreshold'] = Number(v);
      thresholdLine = c;
    }
    else if (c.key === 'notify_up' || c.key === 'notify_down') {
      if (notified.has(c.key)) {
        tolerate(sink, c, `${c.key} script already specified - ignoring`);
        continue;
      }
      notified = new Set([...notified, c.key]);
      const argv = scriptOf(c, sink);
      if (argv) rs.notify = { ...(rs.notify as object), [c.key === 'notify_up' ? 'up' : 'down']: argv };
    } else sink.warnings.push(`${c.file}:${c.line}: real_server ${c.key} accepted but not acted on yet`);
  }
  if ((thresholds.lowerThreshold ?? 0) > (thresholds.upperThreshold ?? 0)) {
    // ip_vs_add_dest(): "lower threshold is higher than upper threshold", ERANGE: keepalived logs the failed command and the server never enters the table.
    sink.errors.push({ file: thresholdLine!.file, line: thresholdLine!.line, path: 'lthreshold', message: `real server ${String(rs.address)}: lthreshold ${thresholds.lowerThreshold} is above uthreshold ${thresholds.upperThreshold ?? 0}; the kernel refuses the server (keepalived 2.2.7 logs the IPVS error and leaves it out of the table)` });
  } else if (thresholds.upperThreshold || thresholds.lowerThreshold) rs.ipvs = thresholds;
  // No checker: keepalived keeps the server in the pool unchecked.
  rs.checks = checkerNodes.flatMap((c) => checkerToChecks(c, own, sink, trackFiles));
  return rs;
}
