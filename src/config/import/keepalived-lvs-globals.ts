import net from 'node:net';
import type { KaNode } from './keepalived-parser.js';
import { tolerate, type KaSink } from './keepalived-sink.js';
import { IFNAME_MAX, isMulticast, LVS_MAX_TIMEOUT_SEC, SYNC_DAEMON_RANGES } from '../../actuators/ipvs/ipvs-limits.js';
import type { SyncDaemonDef } from '../../actuators/ipvs/sync-daemon.js';

/**
 * global_defs `lvs_timeouts` and `lvs_sync_daemon` as keepalived 2.2.7
 * reads them (core/global_parser.c lvs_timeouts, lvs_syncd_handler): a bad
 * word is logged and skipped, the rest of the line still counts.
 */


/** read_unsigned_strvec: decimal digits in [min, max], else undefined. */
function unsigned(word: string | undefined, min: number, max: number): number | undefined {
  if (word === undefined || !/^\d+$/.test(word)) return undefined;
  const v = Number(word);
  return v >= min && v <= max ? v : undefined;
}

export interface LvsTimeouts {
  tcp?: number;
  tcpFin?: number;
  udp?: number;
}

/** `lvs_timeouts tcp N tcpfin N udp N`: 0 is keepalived's "not set" (check_daemon.c sets only non-zero ones). */
export function lvsTimeouts(n: KaNode, sink: KaSink, into: LvsTimeouts): void {
  if (n.args.length < 2) return tolerate(sink, n, 'lvs_timeouts requires at least one option');
  const KEYS: Record<string, keyof LvsTimeouts> = { tcp: 'tcp', tcpfin: 'tcpFin', udp: 'udp' };
  for (let i = 0; i < n.args.length; i++) {
    const w = n.args[i]!;
    const key = KEYS[w];
    if (!key) {
      tolerate(sink, n, `Unknown option ${w} specified for lvs_timeouts`);
      continue;
    }
    if (i === n.args.length - 1) {
      tolerate(sink, n, `No value specified for lvs_timeout ${w} - ignoring`);
      continue;
    }
    const v = unsigned(n.args[i + 1], 0, LVS_MAX_TIMEOUT_SEC);
    if (v === undefined) tolerate(sink, n, `Invalid lvs_timeout ${w} (${n.args[i + 1]}) - ignoring`);
    else if (v === 0) delete into[key];
    else into[key] = v;
    i++;
  }
}

/** The sync daemon as the line gives it: the balancer's settings, any of them but the interface possibly left out. */
export interface LvsSyncDaemon extends Pick<SyncDaemonDef, 'interface'>, Partial<Omit<SyncDaemonDef, 'interface'>> {
  node: KaNode;
}

/** `lvs_sync_daemon IF [inst] VRRP_INSTANCE [id N] [maxlen M] [port P] [ttl T] [group G]`; the old form `IF INSTANCE SYNCID` too. */
export function lvsSyncDaemon(n: KaNode, sink: KaSink, already: LvsSyncDaemon | undefined): LvsSyncDaemon | undefined {
  if (already) {
    tolerate(sink, n, `lvs_sync_daemon has already been specified as ${already.interface} ${already.vrrpInstance ?? ''} - ignoring`);
    return already;
  }
  const a = n.args;
  if (!a.length) {
    tolerate(sink, n, 'lvs_sync_daemon requires interface');
    return undefined;
  }
  if (a[0]!.length > IFNAME_MAX) {
    tolerate(sink, n, `lvs_sync_daemon interface name '${a[0]}' too long - ignoring`);
    return undefined;
  }
  const out: LvsSyncDaemon = { node: n, interface: a[0]! };
  const value = (i: number, what: string): string | undefined => {
    if (i === a.length - 1) {
      tolerate(sink, n, what === 'id' ? 'No value specified for lvs_sync_daemon id, defaulting to vrid' : `No value specified for lvs_sync_daemon ${what} - ignoring`);
      return undefined;
    }
    return a[i + 1];
  };
  // The loop runs over strvec slots 2.. (a[1]..); `i` below is the slot number minus one.
  for (let i = 1; i < a.length; i++) {
    const w = a[i]!;
    if (w === 'inst') {
      // keepalived reads slot i+1 even past the end (STRDUP of NULL); a name is needed.
      if (out.vrrpInstance !== undefined) tolerate(sink, n, `lvs_sync_daemon vrrp instance has already been specified as ${out.vrrpInstance} - ignoring`);
      else if (a[i + 1] !== undefined) out.vrrpInstance = a[i + 1];
      i++;
      continue;
    }
    const numeric: Record<string, [keyof typeof SYNC_DAEMON_RANGES, string]> = {
      id: ['syncId', 'Invalid syncid (%) - defaulting to vrid'],
      maxlen: ['maxLen', 'Invalid lvs_sync_daemon maxlen (%) - ignoring'],
      port: ['port', 'Invalid lvs_sync_daemon port (%) - ignoring'],
      ttl: ['ttl', 'Invalid lvs_sync_daemon ttl (%) - ignoring'],
    };
    if (numeric[w]) {
      const [key, bad] = numeric[w];
      const text = value(i, w);
      if (text === undefined) continue;
      const [min, max] = SYNC_DAEMON_RANGES[key];
      const v = unsigned(text, min, max);
      if (v === undefined) tolerate(sink, n, bad.replace('%', text));
      else (out as unknown as Record<string, number>)[key] = v;
      i++;
      continue;
    }
    if (w === 'group') {
      const text = value(i, w);
      if (text === undefined) continue;
      if (!net.isIP(text)) tolerate(sink, n, `Invalid lvs_sync_daemon group (${text}) - ignoring`);
      else if (!isMulticast(text)) tolerate(sink, n, `lvs_sync_daemon group address ${text} is not multicast - ignoring`);
      else out.group = text;
      i++;
      continue;
    }
    // Backward compatibility: `lvs_sync_daemon IF VRRP_INSTANCE [SYNCID]`.
    if (i === 1) {
      out.vrrpInstance = w;
      continue;
    }
    if (i === 2) {
      const v = unsigned(w, SYNC_DAEMON_RANGES.syncId[0], SYNC_DAEMON_RANGES.syncId[1]);
      if (v === undefined) tolerate(sink, n, `Invalid syncid (${w}) - defaulting to vrid`);
      else {
        tolerate(sink, n, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
        out.syncId = v;
      }
      continue;
    }
    tolerate(sink, n, `Unknown option ${w} specified for lvs_sync_daemon`);
  }
  return out;
}

/**
 * vrrp.c: the instance must exist ("Unable to find vrrp instance %s for
 * lvs_syncd - clearing lvs_syncd config"); no id is the instance's vrid.
 * Without an instance keepalived's checker runs master and backup at once,
 * which rsguard does not: refused with the line.
 */
export function resolveSyncDaemon(s: LvsSyncDaemon, instances: Array<Record<string, unknown>>, sink: KaSink): Record<string, unknown> | undefined {
  const n = s.node;
  if (s.vrrpInstance === undefined) {
    sink.errors.push({ file: n.file, line: n.line, path: n.key, message: 'lvs_sync_daemon without a VRRP instance (keepalived then runs the master and the backup daemon at once) is not supported by rsguard: name the vrrp_instance it follows' });
    return undefined;
  }
  const instance = instances.find((i) => i.name === s.vrrpInstance);
  if (!instance) {
    tolerate(sink, n, `Unable to find vrrp instance ${s.vrrpInstance} for lvs_syncd - clearing lvs_syncd config`);
    return undefined;
  }
  const syncId = s.syncId ?? (instance.virtualRouterId as number | undefined);
  if (syncId === undefined) {
    sink.errors.push({ file: n.file, line: n.line, path: n.key, message: `lvs_sync_daemon: no id, and vrrp_instance ${s.vrrpInstance} has no virtual_router_id to default it to` });
    return undefined;
  }
  const { node: _node, vrrpInstance, syncId: _id, ...rest } = s;
  return { ...rest, vrrpInstance, syncId };
}
