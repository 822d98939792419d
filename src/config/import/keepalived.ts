import net from 'node:net';
import { formatHostPort } from '../../lib/address.js';
import type { ConfigIssue } from '../errors.js';
import type { ImportResult } from './imported.js';
import { CHECKERS, checkerToChecks, readInherited, type Inherited } from './keepalived-checkers.js';
import { readTrackFiles, type TrackFiles } from './keepalived-track-file.js';
import { number, parseKeepalived, tokenizeLine, type KaNode } from './keepalived-parser.js';
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
]);
const VS_IGNORED = new Set(['nat_mask', 'ha_suspend', 'ops', 'hashed', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback', 'persistence_engine', 'ip_family', 'snmp_name', 'smtp_alert', 'omega', 'sorry_server_inhibit', 'warmup', 'retry_delay']);
const RS_IGNORED = new Set(['uthreshold', 'lthreshold', 'smtp_alert', 'snmp_name', 'warmup', 'delay_before_retry_on_startup']);

const at = (n: KaNode) => ({ file: n.file, line: n.line });

interface Member {
  address?: string;
  fwmark?: number;
  family?: 'inet' | 'inet6';
  protocol?: string;
}

/** `192.168.1.1-5 80` ranges and `fwmark N [inet|inet6]` entries of a virtual_server_group. */
function groupMembers(group: KaNode, errors: ConfigIssue[]): Member[] {
  const out: Member[] = [];
  for (const e of group.children ?? []) {
    if (e.key === 'fwmark') {
      out.push({ fwmark: Number(e.args[0]), family: e.args[1] === 'inet6' ? 'inet6' : 'inet' });
      continue;
    }
    const port = Number(e.args[0]);
    const range = /^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/.exec(e.key);
    // IPv6: the range is on the last group and, like the address, in hex (keepalived.conf(5): 2001:db8::1-a).
    const range6 = /^([0-9a-f:]*:)([0-9a-f]{1,4})-([0-9a-f]{1,4})$/i.exec(e.key);
    if (range) {
      for (let n = Number(range[2]); n <= Number(range[3]); n++) out.push({ address: `${range[1]}${n}:${port}` });
    } else if (range6 && net.isIPv6(`${range6[1]}${range6[2]}`)) {
      const from = parseInt(range6[2]!, 16);
      const to = parseInt(range6[3]!, 16);
      if (to < from) errors.push({ ...at(e), path: 'virtual_server_group', message: `address range ${e.key} runs backwards` });
      for (let n = from; n <= to; n++) out.push({ address: formatHostPort(canonical6(`${range6[1]}${n.toString(16)}`), port) });
    } else if (net.isIP(e.key)) out.push({ address: formatHostPort(e.key, port) });
    else errors.push({ ...at(e), path: 'virtual_server_group', message: `expected "ip port", "a.b.c.d-e port" or "fwmark N", got ${JSON.stringify([e.key, ...e.args].join(' '))}` });
  }
  return out;
}

function canonical6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

export async function importKeepalived(file: string, configId?: string, text?: string): Promise<ImportResult> {
  const { nodes, errors } = await parseKeepalived(file, configId, text);
  const warnings: string[] = [];
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
      for (const vs of virtualServer(n, groups, errors, warnings, trackFiles)) {
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
      warnings.push(`${n.file}:${n.line}: unknown keyword ${n.key} ignored, as keepalived does`);
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
  return { input: { balancer, ...(Object.keys(notify).length ? { notify } : {}), ...vrrp, virtualServices }, lines, warnings, errors };
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
        for (const c of g.children ?? []) to.push([c.key, ...c.args].join(' ').replace(/^.*<([^>]+)>.*$/, '$1'));
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

function virtualServer(n: KaNode, groups: Map<string, KaNode>, errors: ConfigIssue[], warnings: string[], trackFiles: TrackFiles): Array<Record<string, unknown>> {
  let members: Member[];
  let baseName: string;
  if (n.args[0] === 'fwmark') {
    members = [{ fwmark: Number(n.args[1]), family: 'inet' }];
    baseName = `fwmark ${n.args[1]}`;
  } else if (n.args[0] === 'group') {
    const g = groups.get(n.args[1] ?? '');
    if (!g) {
      errors.push({ ...at(n), path: 'virtual_server', message: `no virtual_server_group ${JSON.stringify(n.args[1])}` });
      return [];
    }
    members = groupMembers(g, errors);
    baseName = n.args[1]!;
  } else {
    const [ip, port] = n.args;
    if (!ip || !net.isIP(ip) || !port || !/^\d+$/.test(port)) {
      errors.push({ ...at(n), path: 'virtual_server', message: `expected "virtual_server IP PORT", "fwmark N" or "group NAME", got ${JSON.stringify(n.args.join(' '))}` });
      return [];
    }
    members = [{ address: formatHostPort(ip, Number(port)) }];
    baseName = formatHostPort(ip, Number(port));
  }
  const inherited: Inherited = {};
  const vs: Record<string, unknown> = { scheduler: 'wlc', forwarding: 'nat', onDown: 'remove' };
  let protocol = 'tcp';
  let defaultWeight = 1;
  let inhibit = false;
  let lbKind = 'nat';
  const realNodes: KaNode[] = [];
  for (const c of n.children ?? []) {
    if (readInherited(c, inherited, errors)) continue;
    switch (c.key) {
      case 'lb_algo':
      case 'lvs_sched':
        vs.scheduler = c.args[0];
        break;
      case 'lb_kind':
      case 'lvs_method': {
        const f = FORWARDING[(c.args[0] ?? '').toUpperCase()];
        if (!f) errors.push({ ...at(c), path: c.key, message: `expected DR, NAT or TUN, got ${JSON.stringify(c.args[0])}` });
        else lbKind = f;
        break;
      }
      case 'persistence_timeout':
        vs.persistence = { ...(vs.persistence as object), timeout: c.args.length ? number(c, errors, 1) : 360 };
        break;
      case 'persistence_granularity':
        vs.persistence = { timeout: 360, ...(vs.persistence as object), netmask: c.args[0] };
        break;
      case 'protocol': {
        const p = (c.args[0] ?? '').toLowerCase();
        if (p !== 'tcp' && p !== 'udp') errors.push({ ...at(c), path: c.key, message: `expected TCP or UDP${p === 'sctp' ? ' (SCTP is not supported by rsguard)' : ''}, got ${JSON.stringify(c.args[0])}` });
        else protocol = p;
        break;
      }
      case 'sorry_server':
        if (!net.isIP(c.args[0] ?? '')) errors.push({ ...at(c), path: c.key, message: `expected "sorry_server IP [PORT]", got ${JSON.stringify(c.args.join(' '))}` });
        else vs.sorryServer = { address: formatHostPort(c.args[0]!, c.args[1] ? Number(c.args[1]) : undefined) };
        break;
      case 'sorry_server_lvs_method':
        vs.sorryForwarding = FORWARDING[(c.args[0] ?? '').toUpperCase()];
        break;
      case 'quorum':
        vs.quorum = number(c, errors, 0);
        break;
      case 'hysteresis':
        vs.hysteresis = number(c, errors, 0);
        break;
      case 'inhibit_on_failure':
        inhibit = true;
        break;
      case 'weight':
        defaultWeight = number(c, errors, 0) ?? 1;
        break;
      case 'real_server':
        realNodes.push(c);
        break;
      case 'quorum_up':
      case 'quorum_down':
        vs.notify = { ...(vs.notify as object), [c.key === 'quorum_up' ? 'quorumUp' : 'quorumDown']: c.args.flatMap((a) => tokenizeLine(a)) };
        break;
      default:
        if (VS_IGNORED.has(c.key)) warnings.push(`${c.file}:${c.line}: virtual_server ${c.key} accepted but not acted on`);
        else errors.push({ ...at(c), path: c.key, message: `unknown virtual_server keyword ${c.key}` });
    }
  }
  vs.forwarding = lbKind;
  if (vs.sorryServer) {
    (vs.sorryServer as Record<string, unknown>).forwarding = (vs.sorryForwarding as string | undefined) ?? lbKind;
  }
  delete vs.sorryForwarding;
  const realServers: Array<Record<string, unknown>> = [];
  for (const r of realNodes) {
    const rs = realServer(r, inherited, defaultWeight, errors, warnings, trackFiles);
    if (!rs) continue;
    // inhibit_on_failure on a real_server is that server's alone (keepalived reads it per server, the virtual's is the default).
    if (rs.inhibit !== undefined && rs.inhibit !== inhibit) rs.onDown = rs.inhibit ? 'quiescent' : 'remove';
    delete rs.inhibit;
    realServers.push(rs);
  }
  if (inhibit) vs.onDown = 'quiescent';
  return members.map((m, i) => ({
    name: members.length > 1 ? `${baseName}#${i + 1}` : baseName,
    ...(m.address ? { address: m.address, protocol } : { fwmark: m.fwmark, family: m.family }),
    ...vs,
    realServers: realServers.map((rs) => ({ ...rs })),
  }));
}

function realServer(r: KaNode, parent: Inherited, defaultWeight: number, errors: ConfigIssue[], warnings: string[], trackFiles: TrackFiles): (Record<string, unknown> & { inhibit?: boolean }) | undefined {
  const [ip, port] = r.args;
  if (!ip || !net.isIP(ip) || (port !== undefined && !/^\d+$/.test(port))) return void errors.push({ ...at(r), path: 'real_server', message: `expected "real_server IP PORT", got ${JSON.stringify(r.args.join(' '))}` });
  const own: Inherited = { ...parent };
  const rs: Record<string, unknown> & { inhibit?: boolean } = { address: formatHostPort(ip, port ? Number(port) : undefined), weight: defaultWeight, line: r.line };
  const checkerNodes: KaNode[] = [];
  for (const c of r.children ?? []) {
    if (readInherited(c, own, errors)) continue;
    if (CHECKERS.has(c.key)) checkerNodes.push(c);
    else if (c.key === 'weight') rs.weight = number(c, errors, 0);
    else if (c.key === 'lvs_method' || c.key === 'lb_kind') rs.forwarding = FORWARDING[(c.args[0] ?? '').toUpperCase()];
    else if (c.key === 'inhibit_on_failure') rs.inhibit = c.args[0] !== 'no' && c.args[0] !== 'false';
    else if (c.key === 'notify_up' || c.key === 'notify_down') rs.notify = { ...(rs.notify as object), [c.key === 'notify_up' ? 'up' : 'down']: c.args.flatMap((a) => tokenizeLine(a)) };
    else if (RS_IGNORED.has(c.key)) warnings.push(`${c.file}:${c.line}: real_server ${c.key} accepted but not acted on yet`);
    else errors.push({ ...at(c), path: c.key, message: `unknown real_server keyword ${c.key}` });
  }
  // No checker: keepalived keeps the server in the pool unchecked.
  rs.checks = checkerNodes.flatMap((c) => checkerToChecks(c, own, errors, warnings, trackFiles));
  return rs;
}
