import net from 'node:net';
import { formatHostPort, parseHostPort, type HostPort } from '../../lib/address.js';
import { groupMembers, type Member } from './keepalived-group.js';
import type { KaNode } from './keepalived-parser.js';
import { forwardingOf, realServer, scriptOf } from './keepalived-real-server.js';
import { kaNumber, missingParameter, readInherited, tolerate, unknownKeyword, type Inherited, type KaSink } from './keepalived-sink.js';
import type { TrackFiles } from './keepalived-track-file.js';
import { flagNames } from '../../actuators/ipvs/ipvs-options.js';

const at = (n: KaNode) => ({ file: n.file, line: n.line });

/** check_parser.c lvs_schedulers[]: lb_algo must be one of these, exactly (case matters). */
const LVS_SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']);
/** The keywords check_parser.c init_check_keywords registers in a virtual_server (keepalived 2.2.7). */
const VS_KEYWORDS = new Set([
  'ip_family', 'retry', 'delay_before_retry', 'warmup', 'connect_timeout', 'delay_loop', 'inhibit_on_failure', 'lb_algo', 'lvs_sched',
  'hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback', 'lb_kind', 'lvs_method',
  'persistence_engine', 'persistence_timeout', 'persistence_granularity', 'protocol', 'ha_suspend', 'smtp_alert', 'virtualhost', 'snmp_name',
  'alpha', 'omega', 'quorum_up', 'quorum_down', 'quorum', 'hysteresis', 'weight', 'sorry_server', 'sorry_server_inhibit', 'sorry_server_lvs_method', 'real_server',
]);

export function virtualServer(n: KaNode, groups: Map<string, KaNode>, sink: KaSink, trackFiles: TrackFiles): Array<Record<string, unknown>> {
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
  let flagBits = 0;
  let opsNode: KaNode | undefined;
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
      case 'ops':
        opsNode = c;
        break;
      case 'flag-1':
      case 'flag-2':
      case 'flag-3':
        flagBits |= { 'flag-1': 0x08, 'flag-2': 0x10, 'flag-3': 0x20 }[c.key];
        break;
      case 'hashed':
      case 'sh-port':
      case 'sh-fallback':
      case 'mh-port':
      case 'mh-fallback': {
        // lbflags_handler: judged against the scheduler set so far (lb_algo after the flag: "" then), and a flag of the
        // other hashing scheduler, or `hashed`, under sh or mh is dropped without a word; rsguard says so.
        const family = scheduler === 'sh' || scheduler === 'mh' ? scheduler : undefined;
        if (!family) tolerate(sink, c, `${c.key} only applies to sh scheduler - ignoring`);
        else if (c.key === `${family}-port`) flagBits |= 0x10;
        else if (c.key === `${family}-fallback`) flagBits |= 0x08;
        else tolerate(sink, c, `${c.key} has no effect under lb_algo ${family} (keepalived 2.2.7 drops it without a message)`);
        break;
      }
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
  // validate_check_config: OPS is for UDP (or a firewall mark), else "one packet scheduling requires UDP - resetting".
  let onePacket = opsNode !== undefined;
  if (opsNode && !isFwmark && protocol !== 'udp') {
    sinkAt(`one packet scheduling requires UDP - resetting (line ${opsNode.line})`);
    onePacket = false;
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
    // Addresses here were checked with net.isIP when read; parseHostPort also takes `[v6]` without a port.
    const hp = parseHostPort(address);
    if (typeof hp === 'string') return address;
    const { host, port } = hp;
    if (forwarding === 'nat') return !isFwmark && !isGroup && port === undefined ? formatHostPort(host, vsPort) : address;
    if (isGroup) {
      // Behind a group keepalived only logs, once per fwmark group and once per address entry whose port differs.
      if (port !== undefined && members.some((m) => m.fwmark !== undefined)) tolerate(sink, node, `fwmark virtual server ${name}, ${what} ${address} has port specified - port will be ignored`);
      const ports = new Set(members.flatMap((m) => (m.address ? [(parseHostPort(m.address) as HostPort).port] : [])));
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
  // The kernel keeps the bits whatever the final scheduler; named as ipvsadm names them for it (flag-2 under rr).
  if (onePacket || flagBits) vs.ipvs = { ...(onePacket ? { onePacket } : {}), ...(flagBits ? { schedulerFlags: flagNames(flagBits, scheduler).split(',') } : {}) };
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
