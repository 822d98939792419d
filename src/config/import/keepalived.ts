import net from 'node:net';
import { formatHostPort } from '../../lib/address.js';
import type { ConfigIssue } from '../errors.js';
import type { ImportResult } from './imported.js';
import { CHECKERS, checkerToChecks, kaBool, kaNumber, missingParameter, readInherited, tolerate, unknownKeyword, type Inherited, type KaSink } from './keepalived-checkers.js';
import { readTrackFiles, type TrackFiles } from './keepalived-track-file.js';
import { number, parseKeepalived, type KaNode } from './keepalived-parser.js';
import { scriptLine } from './keepalived-split.js';
import { vrrpGroup, vrrpInstance } from './keepalived-vrrp.js';

/**
 * Reads keepalived.conf (checker side) as keepalived does: virtual_server
 * (ip port, fwmark, group), virtual_server_group, real_server and the
 * TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK and PING_CHECK checkers, with
 * keepalived's defaults (lb_algo wlc, lb_kind NAT, delay_loop 60,
 * connect_timeout 5, retry 1, delay_before_retry 1 s or 3 s for HTTP).
 * Blocks rsguard does not act on are parsed and reported, never misread.
 */
const FORWARDING: Record<string, string> = { DR: 'dr', NAT: 'nat', TUN: 'tun' };
const IGNORED_BLOCKS = new Set([
  'vrrp_instance', 'vrrp_sync_group', 'vrrp_script', 'vrrp_track_process', 'static_ipaddress', 'static_routes', 'static_rules',
  'linkbeat_interfaces', 'bfd_instance', 'garp_group', 'net_namespace', 'instance', 'SSL',
  // The other top-level keywords keepalived 2.2.7 registers (install_keyword_root).
  'child_wait_time', 'interface_up_down_delays', 'linkbeat_use_polling', 'namespace_with_ipsets', 'net_namespace_ipvs', 'track_group', 'use_pid_dir', 'vrrp_track_file',
]);

const at = (n: KaNode) => ({ file: n.file, line: n.line });

interface Member {
  address?: string;
  fwmark?: number;
  family?: 'inet' | 'inet6';
  protocol?: string;
}

/**
 * `192.168.1.1-5 80` ranges and `fwmark N [inet|inet6]` entries of a
 * virtual_server_group. An entry keepalived cannot read is logged and
 * skipped (check_data.c alloc_vsg_entry: "... - skipping"/"- ignoring").
 */
function groupMembers(group: KaNode, sink: KaSink): Member[] {
  const out: Member[] = [];
  const skip = (e: KaNode, why: string) => tolerate(sink, { ...e, key: 'virtual_server_group' }, `${group.args[0] ?? ''}: ${why} ${JSON.stringify([e.key, ...e.args].join(' '))} - skipping`);
  for (const e of group.children ?? []) {
    if (e.key === 'fwmark') {
      const mark = Number(e.args[0]);
      if (!/^\d+$/.test(e.args[0] ?? '') || mark > 0xffffffff) skip(e, 'invalid fwmark');
      else if (e.args[1] !== undefined && e.args[1] !== 'inet' && e.args[1] !== 'inet6') skip(e, 'unknown fwmark family');
      else out.push({ fwmark: mark, family: e.args[1] === 'inet6' ? 'inet6' : 'inet' });
      continue;
    }
    if (e.args[0] !== undefined && (!/^\d+$/.test(e.args[0]) || Number(e.args[0]) > 65535)) {
      skip(e, 'invalid virtual server group port');
      continue;
    }
    if (!Number(e.args[0] ?? 0)) {
      sink.errors.push({ ...at(e), path: 'virtual_server_group', message: `${e.key} without a port (keepalived makes it a persistent all-ports service) is not supported by rsguard: give the port` });
      continue;
    }
    const port = Number(e.args[0]);
    const range = /^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/.exec(e.key);
    // IPv6: the range is on the last group and, like the address, in hex (keepalived.conf(5): 2001:db8::1-a).
    const range6 = /^([0-9a-f:]*:)([0-9a-f]{1,4})-([0-9a-f]{1,4})$/i.exec(e.key);
    if (range) {
      // inet_stor form: the end replaces the last octet and must be greater ("not greater than address range start - skipping").
      if (Number(range[3]) <= Number(range[2])) skip(e, 'address range end is not greater than address range start');
      else for (let n = Number(range[2]); n <= Number(range[3]); n++) out.push({ address: `${range[1]}${n}:${port}` });
    } else if (range6 && net.isIPv6(`${range6[1]}${range6[2]}`)) {
      const from = parseInt(range6[2]!, 16);
      const to = parseInt(range6[3]!, 16);
      if (to <= from) skip(e, 'address range end is not greater than address range start');
      else for (let n = from; n <= to; n++) out.push({ address: formatHostPort(canonical6(`${range6[1]}${n.toString(16)}`), port) });
    } else if (net.isIP(e.key)) out.push({ address: formatHostPort(e.key, port) });
    else if (/^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.test(e.key) && e.key.split('-').every((a) => net.isIPv4(a))) {
      // a.b.c.d-e.f.g.h: every address from the first to the last; an end before the start is skipped (an equal one is one address).
      const [from, to] = e.key.split('-').map((a) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0)) as [number, number];
      if (to < from) skip(e, 'address range end is less than address range start');
      else if (to - from >= 65536) sink.errors.push({ ...at(e), path: 'virtual_server_group', message: `${e.key}: more than 65536 addresses` });
      else for (let v = from; v <= to; v++) out.push({ address: formatHostPort([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.'), port) });
    } else if (/^[\d.]+-[\d.]+$|\//.test(e.key)) sink.errors.push({ ...at(e), path: 'virtual_server_group', message: `${e.key}: address ranges ending in a full address and address/mask entries are not supported by rsguard: write a.b.c.d-e` });
    else skip(e, 'invalid virtual server group IP address');
  }
  return out;
}

function canonical6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

export async function importKeepalived(file: string, configId?: string, text?: string): Promise<ImportResult> {
  const { nodes, errors, tolerated, warnings } = await parseKeepalived(file, configId, text);
  const sink: KaSink = { errors, warnings, tolerated };
  const lines = new Map<string, number>();
  const groups = new Map<string, KaNode>();
  for (const n of nodes) if (n.key === 'virtual_server_group' && n.args[0]) groups.set(n.args[0], n);
  const trackFiles = readTrackFiles(nodes, errors);
  const virtualServices: Array<Record<string, unknown>> = [];
  const vrrpInstances: Array<Record<string, unknown>> = [];
  const vrrpGroups: Array<{ node: KaNode; group: ReturnType<typeof vrrpGroup> }> = [];
  const notify: Record<string, unknown> = {};
  for (const n of nodes) {
    if (n.key === 'virtual_server') {
      for (const vs of virtualServer(n, groups, sink, trackFiles)) {
        lines.set(`virtualServices[${virtualServices.length}]`, n.line);
        (vs.realServers as Array<{ line?: number }>).forEach((rs, ri) => {
          lines.set(`virtualServices[${virtualServices.length}].realServers[${ri}]`, rs.line!);
          delete rs.line;
        });
        virtualServices.push(vs);
      }
    } else if (n.key === 'global_defs') {
      Object.assign(notify, globalDefs(n, errors, warnings, lines));
    } else if (n.key === 'vrrp_instance' || n.key === 'vrrp_sync_group') {
      const scripts = (n.children ?? []).filter((c) => /^notify/.test(c.key)).map((c) => c.key);
      warnings.push(`${n.file}:${n.line}: ${n.key} ${n.args[0] ?? ''} is run by keepalived, not rsguard (rsguard records its transitions)${scripts.length ? `; its ${scripts.join(', ')} stay keepalived's (add "notify /usr/bin/rsguard notify --token-file ..." to record transitions)` : ''}`);
      if (!n.args[0]) errors.push({ ...at(n), path: n.key, message: `${n.key} needs a name` });
      else if (n.key === 'vrrp_instance') vrrpInstances.push(vrrpInstance(n, errors));
      else vrrpGroups.push({ node: n, group: vrrpGroup(n) });
    } else if (n.key === 'virtual_server_group' || n.key === 'track_file') {
      continue;
    } else if (IGNORED_BLOCKS.has(n.key)) {
      warnings.push(`${n.file}:${n.line}: ${n.key}${n.args[0] ? ` ${n.args[0]}` : ''} parsed and ignored (rsguard does not act on it)`);
    } else {
      unknownKeyword(sink, n);
    }
  }
  // keepalived ignores a sync group member that is not a vrrp_instance ("doesn't exist - ignoring"); so does rsguard, aloud.
  const known = new Set(vrrpInstances.map((i) => i.name));
  const syncGroups = vrrpGroups.map(({ node, group }) => {
    const missing = group.instances.filter((i) => !known.has(i));
    if (missing.length) warnings.push(`${node.file}:${node.line}: vrrp_sync_group ${group.name}: no vrrp_instance ${missing.join(', ')}; ignored, as keepalived does`);
    return { ...group, instances: group.instances.filter((i) => known.has(i)) };
  });
  const vrrp = vrrpInstances.length || syncGroups.length ? { vrrp: { instances: vrrpInstances, syncGroups } } : {};
  if (virtualServices.length === 0 && !vrrp.vrrp && errors.length === 0) errors.push({ file, message: 'no virtual_server and no vrrp_instance block: nothing for rsguard to do' });
  // A VRRP-only director has no IPVS service of its own for rsguard to program.
  const balancer = virtualServices.length ? { kind: 'ipvs', cleanStop: true } : { kind: 'none' };
  return { input: { balancer, ...(Object.keys(notify).length ? { notify } : {}), ...vrrp, virtualServices }, lines, warnings, errors, tolerated };
}

/** global_defs: mail goes out only when recipients and smtp_server are both set (keepalived smtp.c); notify_fifo is read. */
function globalDefs(n: KaNode, errors: ConfigIssue[], warnings: string[], lines: Map<string, number>): Record<string, unknown> {
  const to: string[] = [];
  let from: string | undefined;
  let smtp: Record<string, unknown> | undefined;
  let routerId: string | undefined;
  let connectTimeout: number | undefined;
  let helo: string | undefined;
  const out: Record<string, unknown> = {};
  // Errors in what these directives set point at their lines.
  const LINE_OF: Record<string, string> = { notification_email: 'notify.email.to', notification_email_from: 'notify.email.from', smtp_server: 'notify.email.smtp', smtp_connect_timeout: 'notify.email.smtp.connectTimeout', smtp_helo_name: 'notify.email.smtp.helo', router_id: 'notify.email.routerId', notify_fifo: 'notify.keepalivedFifo', vrrp_notify_fifo: 'notify.keepalivedFifo' };
  lines.set('notify', n.line);
  lines.set('notify.email', n.line);
  for (const g of n.children ?? []) {
    if (LINE_OF[g.key]) lines.set(LINE_OF[g.key]!, g.line);
    switch (g.key) {
      case 'notification_email':
        // global_parser.c email_handler: alloc_value_block, every word of every line is one address.
        for (const c of g.children ?? []) to.push(...[c.key, ...c.args].map((w) => w.replace(/^.*<([^>]+)>.*$/, '$1')));
        break;
      case 'notification_email_from':
        from = g.args.join(' ').replace(/^.*<([^>]+)>.*$/, '$1');
        break;
      case 'smtp_server':
        smtp = { host: g.args[0], ...(g.args[1] ? { port: Number(g.args[1]) } : {}) };
        break;
      case 'smtp_connect_timeout':
        connectTimeout = number(g, errors, 1);
        break;
      case 'smtp_helo_name':
        helo = g.args[0];
        break;
      case 'router_id':
        routerId = g.args[0];
        break;
      case 'notify_fifo':
      case 'vrrp_notify_fifo':
        if (g.args[0]) out.keepalivedFifo = g.args[0];
        break;
      default:
        warnings.push(`${g.file}:${g.line}: global_defs ${g.key} accepted but not acted on`);
    }
  }
  if (to.length && smtp) {
    out.email = { to, ...(from ? { from } : {}), ...(routerId ? { routerId } : {}), smtp: { ...smtp, connectTimeout: `${connectTimeout ?? 30}s`, ...(helo ? { helo } : {}) } };
  } else if (to.length || smtp) {
    warnings.push(`${n.file}:${n.line}: global_defs: no mail is sent without both notification_email and smtp_server (as in keepalived)`);
  }
  return out;
}

/** check_parser.c lvs_schedulers[]: lb_algo must be one of these, exactly (case matters). */
const LVS_SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']);
/** The keywords check_parser.c init_check_keywords registers in a virtual_server (keepalived 2.2.7). */
const VS_KEYWORDS = new Set([
  'ip_family', 'retry', 'delay_before_retry', 'warmup', 'connect_timeout', 'delay_loop', 'inhibit_on_failure', 'lb_algo', 'lvs_sched',
  'hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback', 'lb_kind', 'lvs_method',
  'persistence_engine', 'persistence_timeout', 'persistence_granularity', 'protocol', 'ha_suspend', 'smtp_alert', 'virtualhost', 'snmp_name',
  'alpha', 'omega', 'quorum_up', 'quorum_down', 'quorum', 'hysteresis', 'weight', 'sorry_server', 'sorry_server_inhibit', 'sorry_server_lvs_method', 'real_server',
]);
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
function forwardingOf(c: KaNode, sink: KaSink, server: string): string | undefined {
  const f = FORWARDING[c.args[0] ?? ''];
  if (!f) {
    tolerate(sink, c, `PARSER : unknown [${c.args[0] ?? ''}] routing method for ${server} server (the previous or default method stays, as in keepalived)`);
    return undefined;
  }
  if (c.args.length > 1) sink.warnings.push(`${c.file}:${c.line}: ${c.key} ${c.args.slice(1).join(' ')}: tunnel options accepted but not acted on`);
  return f;
}

/** A script keyword (quorum_up, notify_up...) as the argv keepalived runs; a user/group after it is not acted on. */
function scriptOf(c: KaNode, sink: KaSink): string[] | undefined {
  const s = scriptLine(c.raw);
  if (!s.argv) {
    tolerate(sink, c, `unable to parse script (${s.error}) - ignoring`);
    return undefined;
  }
  if (s.extra.length) sink.warnings.push(`${c.file}:${c.line}: ${c.key} user/group ${s.extra.join(' ')} accepted but not acted on (rsguard runs scripts as itself)`);
  return s.argv;
}

function hostPort(address: string): { host: string; port?: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(address) ?? /^([^:]*):(\d+)$/.exec(address);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: address };
}

function virtualServer(n: KaNode, groups: Map<string, KaNode>, sink: KaSink, trackFiles: TrackFiles): Array<Record<string, unknown>> {
  const { errors, warnings } = sink;
  let members: Member[];
  let baseName: string;
  let vsPort: number | undefined;
  const isGroup = n.args[0] === 'group';
  if (n.args[0] === 'fwmark') {
    const mark = Number(n.args[1]);
    if (!/^\d+$/.test(n.args[1] ?? '') || mark < 1 || mark > 0xffffffff) {
      // alloc_vs(): "virtual server fwmark '%s' must be in [0, %u] - ignoring", and its block is skipped.
      tolerate(sink, n, `virtual server fwmark ${JSON.stringify(n.args[1] ?? '')} invalid - ignoring the virtual_server`);
      return [];
    }
    members = [{ fwmark: mark, family: 'inet' }];
    baseName = `fwmark ${n.args[1]}`;
  } else if (isGroup) {
    const g = groups.get(n.args[1] ?? '');
    if (!g) {
      errors.push({ ...at(n), path: 'virtual_server', message: `no virtual_server_group ${JSON.stringify(n.args[1])}` });
      return [];
    }
    members = groupMembers(g, sink);
    baseName = n.args[1]!;
  } else {
    const [ip, port] = n.args;
    if (!ip || !net.isIP(ip) || !port || !/^\d+$/.test(port) || Number(port) > 65535) {
      if (ip && net.isIP(ip) && (!port || /^0+$/.test(port))) {
        errors.push({ ...at(n), path: 'virtual_server', message: `virtual_server ${ip} without a port (keepalived makes it a persistent all-ports service) is not supported by rsguard: give the port` });
        return [];
      }
      // alloc_vs(): "Invalid virtual server IP address/port ... - skipping", block and all.
      tolerate(sink, n, `invalid virtual server IP address/port ${JSON.stringify(n.args.join(' '))} - skipping the virtual_server`);
      return [];
    }
    vsPort = Number(port);
    members = [{ address: formatHostPort(ip, vsPort) }];
    baseName = formatHostPort(ip, vsPort);
  }
  const isFwmark = members.length > 0 && members.every((m) => m.fwmark !== undefined);
  const inherited: Inherited = {};
  const vs: Record<string, unknown> = { onDown: 'remove' };
  let scheduler: string | undefined;
  let protocol: string | undefined;
  let protocolNode: KaNode | undefined;
  let defaultWeight = 1;
  let inhibit = false;
  let lbKind: string | undefined;
  let quorum = 1;
  let hysteresis = 0;
  let persistenceTimeout: number | undefined;
  let netmask: string | undefined;
  let sorry: { node: KaNode; ip: string; port?: number; forwarding?: string } | undefined;
  const realNodes: KaNode[] = [];
  for (const c of n.children ?? []) {
    if (!VS_KEYWORDS.has(c.key)) {
      unknownKeyword(sink, c);
      continue;
    }
    if (missingParameter(c, sink)) continue;
    if (c.key === 'alpha') {
      // vs_alpha_handler sets alpha whatever follows (the real_server and checker ones read true/false).
      inherited.alpha = true;
      continue;
    }
    if (readInherited(c, inherited, sink)) continue;
    switch (c.key) {
      case 'lb_algo':
      case 'lvs_sched':
        if (LVS_SCHEDULERS.has(c.args[0] ?? '')) scheduler = c.args[0];
        else tolerate(sink, c, `invalid lvs_scheduler '${c.args[0] ?? ''}' - ignoring (keepalived then uses wlc)`);
        break;
      case 'lb_kind':
      case 'lvs_method':
        lbKind = forwardingOf(c, sink, 'virtual') ?? lbKind;
        break;
      case 'persistence_timeout':
        // pto_handler: no value is 360 s; 1..2678400 else "persistence_timeout invalid", unchanged.
        if (!c.args.length) persistenceTimeout = 360;
        else persistenceTimeout = kaNumber(c, sink, 1, true, 2678400) ?? persistenceTimeout;
        break;
      case 'persistence_granularity':
        netmask = c.args[0];
        // pgr_handler: granularity makes the service persistent (360 s) if it is not yet.
        persistenceTimeout ??= 360;
        break;
      case 'protocol': {
        const p = (c.args[0] ?? '').toLowerCase();
        // proto_handler: TCP, UDP or SCTP in any case; anything else "Unknown protocol %s - ignoring".
        if (p === 'tcp' || p === 'udp' || p === 'sctp') {
          protocol = p;
          protocolNode = c;
        } else tolerate(sink, c, `unknown protocol ${c.args[0] ?? ''} - ignoring`);
        break;
      }
      case 'sorry_server':
        if (!net.isIP(c.args[0] ?? '') || (c.args[1] !== undefined && (!/^\d+$/.test(c.args[1]) || Number(c.args[1]) > 65535))) tolerate(sink, c, `invalid sorry server IP address ${JSON.stringify(c.args.join(' '))} - skipping`);
        else sorry = { node: c, ip: c.args[0]!, port: c.args[1] && Number(c.args[1]) ? Number(c.args[1]) : undefined };
        break;
      case 'sorry_server_lvs_method':
        if (!sorry) tolerate(sink, c, 'sorry_server forwarding used without sorry_server');
        else sorry.forwarding = forwardingOf(c, sink, 'sorry') ?? sorry.forwarding;
        break;
      case 'quorum': {
        const q = kaNumber(c, sink, 1, true, 0xffffffff);
        quorum = q ?? 1;
        vs.quorum = quorum;
        break;
      }
      case 'hysteresis':
        hysteresis = kaNumber(c, sink, 0, true, 0xffffffff) ?? hysteresis;
        vs.hysteresis = hysteresis;
        break;
      case 'inhibit_on_failure':
        // vs_inhibit_handler sets it whatever follows (the real_server one reads true/false).
        inhibit = true;
        break;
      case 'weight':
        defaultWeight = kaNumber(c, sink, 1, true, 65535) ?? defaultWeight;
        break;
      case 'real_server':
        realNodes.push(c);
        break;
      case 'quorum_up':
      case 'quorum_down': {
        const argv = scriptOf(c, sink);
        if (argv) vs.notify = { ...(vs.notify as object), [c.key === 'quorum_up' ? 'quorumUp' : 'quorumDown']: argv };
        break;
      }
      default:
        warnings.push(`${c.file}:${c.line}: virtual_server ${c.key} accepted but not acted on`);
    }
  }
  const name = isGroup ? `group ${baseName}` : baseName;
  const sinkAt = (message: string) => sink.tolerated.push({ ...at(n), path: 'virtual_server', message: `virtual server ${name}: ${message}` });
  // validate_check_config() (check_data.c), in its order.
  const realServers: Array<Record<string, unknown>> = [];
  for (const r of realNodes) {
    const rs = realServer(r, inherited, defaultWeight, sink, trackFiles);
    if (!rs) continue;
    if (realServers.some((o) => o.address === rs.address)) {
      tolerate(sink, r, `real server ${String(rs.address)} is duplicated - removing second rs`);
      continue;
    }
    // inhibit_on_failure on a real_server is that server's alone (keepalived reads it per server, the virtual's is the default).
    if (rs.inhibit !== undefined && rs.inhibit !== inhibit) rs.onDown = rs.inhibit ? 'quiescent' : 'remove';
    delete rs.inhibit;
    realServers.push(rs);
  }
  if (!realServers.length) {
    sinkAt('has no real servers - ignoring');
    return [];
  }
  if (!isFwmark && !protocol) {
    // "If the protocol is 0, the kernel defaults to UDP, so set it explicitly".
    sinkAt('no protocol set - defaulting to UDP');
    protocol = 'udp';
  }
  if (isFwmark && protocolNode) {
    tolerate(sink, protocolNode, 'protocol specified for fwmark - protocol will be ignored');
  }
  if (!scheduler) {
    sinkAt("no scheduler set, setting default 'wlc'");
    scheduler = 'wlc';
  }
  if (lbKind === undefined && (realServers.some((rs) => rs.forwarding === undefined) || (sorry && !sorry.forwarding))) {
    sinkAt('no forwarding method set, setting default NAT');
  }
  const vsKind = lbKind ?? 'nat';
  let weightSum = 0;
  for (const rs of realServers) {
    rs.forwarding ??= vsKind;
    weightSum += rs.weight as number;
  }
  if (quorum > weightSum) {
    sinkAt(`quorum ${quorum} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
    quorum = weightSum;
    vs.quorum = quorum;
  }
  if (hysteresis >= quorum) {
    const h = Math.max(0, quorum - 1);
    if (vs.hysteresis !== undefined || hysteresis !== h) sinkAt(`hysteresis ${hysteresis} >= quorum ${quorum}; setting hysteresis to ${h}`);
    if (vs.hysteresis !== undefined) vs.hysteresis = h;
  }
  // Real (and sorry) server ports: NAT keeps its own; DR and TUN cannot
  // change the port, so keepalived puts the virtual's port back ("ports don't
  // match - resetting") or, behind a fwmark, clears it ("has port specified
  // - clearing"). Behind a group keepalived only logs it.
  const fixPort = (what: string, address: string, forwarding: string, node: KaNode): string => {
    const { host, port } = hostPort(address);
    if (forwarding === 'nat') return !isFwmark && !isGroup && port === undefined ? formatHostPort(host, vsPort) : address;
    if (isGroup) {
      // Behind a group keepalived only logs, once per fwmark group and once per address entry whose port differs.
      if (port !== undefined && members.some((m) => m.fwmark !== undefined)) tolerate(sink, node, `fwmark virtual server ${name}, ${what} ${address} has port specified - port will be ignored`);
      const ports = new Set(members.flatMap((m) => (m.address ? [hostPort(m.address).port] : [])));
      for (const p of ports) if (port !== undefined && p !== port) tolerate(sink, node, `virtual server ${name}:${p} and ${what} ${address} ports don't match`);
      return address;
    }
    if (isFwmark) {
      if (port === undefined) return address;
      tolerate(sink, node, `fwmark virtual server ${name}, ${what} ${address} has port specified - clearing`);
      return formatHostPort(host, undefined);
    }
    if (port === undefined) return formatHostPort(host, vsPort);
    if (port !== vsPort) tolerate(sink, node, `virtual server ${name} and ${what} ${address} ports don't match - resetting to ${vsPort}`);
    return formatHostPort(host, vsPort);
  };
  realServers.forEach((rs, i) => (rs.address = fixPort('real server', rs.address as string, rs.forwarding as string, realNodes.find((r) => r.line === rs.line) ?? realNodes[i]!)));
  if (sorry) {
    const forwarding = sorry.forwarding ?? vsKind;
    vs.sorryServer = { address: fixPort('sorry server', formatHostPort(sorry.ip, sorry.port), forwarding, sorry.node), forwarding };
  }
  vs.scheduler = scheduler;
  vs.forwarding = vsKind;
  if (persistenceTimeout !== undefined) vs.persistence = { timeout: persistenceTimeout, ...(netmask ? { netmask } : {}) };
  if (inhibit) vs.onDown = 'quiescent';
  return members.map((m, i) => ({
    name: members.length > 1 ? `${baseName}#${i + 1}` : baseName,
    ...(m.address ? { address: m.address, protocol } : { fwmark: m.fwmark, family: m.family }),
    ...vs,
    realServers: realServers.map((rs) => ({ ...rs })),
  }));
}

function realServer(r: KaNode, parent: Inherited, defaultWeight: number, sink: KaSink, trackFiles: TrackFiles): (Record<string, unknown> & { inhibit?: boolean }) | undefined {
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
  // No checker: keepalived keeps the server in the pool unchecked.
  rs.checks = checkerNodes.flatMap((c) => checkerToChecks(c, own, sink, trackFiles));
  return rs;
}
