import type { ConfigIssue } from '../errors.js';
import type { ImportResult } from './imported.js';
import { number, parseKeepalived, type KaNode } from './keepalived-parser.js';
import { lvsSyncDaemon, lvsTimeouts, resolveSyncDaemon, type LvsSyncDaemon, type LvsTimeouts } from './keepalived-lvs-globals.js';
import { unknownKeyword, type KaSink } from './keepalived-sink.js';
import { sslBlock, withSsl } from './keepalived-ssl.js';
import { readTrackFiles } from './keepalived-track-file.js';
import { virtualServer } from './keepalived-virtual-server.js';
import { vrrpGroup, vrrpInstance } from './keepalived-vrrp.js';
import { DuplicateVirtuals, type VsRecord } from './keepalived-duplicates.js';

/**
 * Reads keepalived.conf (checker side) as keepalived does: virtual_server
 * (ip port, fwmark, group), virtual_server_group, real_server and the
 * TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK and PING_CHECK checkers, with
 * keepalived's defaults (lb_algo wlc, lb_kind NAT, delay_loop 60,
 * connect_timeout 5, retry 1, delay_before_retry 1 s or 3 s for HTTP).
 * Blocks rsguard does not act on are parsed and reported, never misread.
 */
const IGNORED_BLOCKS = new Set([
  'vrrp_instance', 'vrrp_sync_group', 'vrrp_script', 'vrrp_track_process', 'static_ipaddress', 'static_routes', 'static_rules',
  'linkbeat_interfaces', 'bfd_instance', 'garp_group', 'net_namespace', 'instance',
  // The other top-level keywords keepalived 2.2.7 registers (install_keyword_root).
  'child_wait_time', 'interface_up_down_delays', 'linkbeat_use_polling', 'namespace_with_ipsets', 'net_namespace_ipvs', 'track_group', 'use_pid_dir', 'vrrp_track_file',
]);

const at = (n: KaNode) => ({ file: n.file, line: n.line });

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
  const timeouts: LvsTimeouts = {};
  let syncd: LvsSyncDaemon | undefined;
  const duplicates = new DuplicateVirtuals(sink);
  for (const n of nodes) {
    if (n.key === 'virtual_server') {
      for (const vs of virtualServer(n, groups, sink, trackFiles)) {
        const rsLines = (vs.realServers as Array<{ line?: number }>).map((rs) => {
          const line = rs.line!;
          delete rs.line;
          return line;
        });
        if (duplicates.merge(vs as VsRecord, n, virtualServices as VsRecord[], lines, rsLines) !== undefined) continue;
        lines.set(`virtualServices[${virtualServices.length}]`, n.line);
        rsLines.forEach((line, ri) => lines.set(`virtualServices[${virtualServices.length}].realServers[${ri}]`, line));
        virtualServices.push(vs);
      }
    } else if (n.key === 'global_defs') {
      Object.assign(notify, globalDefs(n, errors, warnings, lines));
      for (const g of n.children ?? []) {
        if (g.key === 'lvs_timeouts') lvsTimeouts(g, sink, timeouts);
        else if (g.key === 'lvs_sync_daemon') syncd = lvsSyncDaemon(g, sink, syncd);
        if (g.key === 'lvs_timeouts' || g.key === 'lvs_sync_daemon') lines.set(g.key === 'lvs_timeouts' ? 'balancer.timeouts' : 'balancer.syncDaemon', g.line);
      }
    } else if (n.key === 'vrrp_instance' || n.key === 'vrrp_sync_group') {
      const scripts = (n.children ?? []).filter((c) => /^notify/.test(c.key)).map((c) => c.key);
      warnings.push(`${n.file}:${n.line}: ${n.key} ${n.args[0] ?? ''} is run by keepalived, not rsguard (rsguard records its transitions)${scripts.length ? `; its ${scripts.join(', ')} stay keepalived's (add "notify /usr/bin/rsguard notify --token-file ..." to record transitions)` : ''}`);
      if (!n.args[0]) errors.push({ ...at(n), path: n.key, message: `${n.key} needs a name` });
      else if (n.key === 'vrrp_instance') vrrpInstances.push(vrrpInstance(n, errors, sink.tolerated));
      else vrrpGroups.push({ node: n, group: vrrpGroup(n) });
    } else if (n.key === 'virtual_server_group' || n.key === 'track_file' || n.key === 'SSL') {
      continue;
    } else if (IGNORED_BLOCKS.has(n.key)) {
      warnings.push(`${n.file}:${n.line}: ${n.key}${n.args[0] ? ` ${n.args[0]}` : ''} parsed and ignored (rsguard does not act on it)`);
    } else {
      unknownKeyword(sink, n);
    }
  }
  withSsl(virtualServices, sslBlock(nodes, sink));
  // keepalived ignores a sync group member that is not a vrrp_instance ("doesn't exist - ignoring"); so does rsguard, aloud.
  const known = new Set(vrrpInstances.map((i) => i.name));
  const syncGroups = vrrpGroups.map(({ node, group }) => {
    const missing = group.instances.filter((i) => !known.has(i));
    if (missing.length) warnings.push(`${node.file}:${node.line}: vrrp_sync_group ${group.name}: no vrrp_instance ${missing.join(', ')}; ignored, as keepalived does`);
    return { ...group, instances: group.instances.filter((i) => known.has(i)) };
  });
  const vrrp = vrrpInstances.length || syncGroups.length ? { vrrp: { instances: vrrpInstances, syncGroups } } : {};
  if (virtualServices.length === 0 && !vrrp.vrrp && errors.length === 0) {
    // keepalived runs idle on a file whose every virtual_server it logged and ignored; rsguard refuses to watch nothing,
    // and says it was the ignored blocks, not a file without any.
    const ignored = nodes.filter((n) => n.key === 'virtual_server').map((n) => n.line);
    errors.push({ file, message: ignored.length
      ? `every virtual_server (line ${ignored.join(', ')}) was ignored, as keepalived ignores it (warnings above), and there is no vrrp_instance: nothing for rsguard to do (keepalived would run idle)`
      : 'no virtual_server and no vrrp_instance block: nothing for rsguard to do' });
  }
  // A VRRP-only director has no IPVS service of its own for rsguard to program.
  // keepalived never deletes a destination it has no real_server for, and its add of a service that exists fails with EEXIST,
  // which ipvs_talk ignores, so the service keeps its scheduler and persistence: rsguard's default, foreignServers: keep.
  const syncDaemon = syncd && resolveSyncDaemon(syncd, vrrpInstances, sink);
  if (syncDaemon) {
    // keepalived's VRRP process drives the daemon itself when it reads this line: the two must not both do it.
    warnings.push(`${syncd!.node.file}:${syncd!.node.line}: lvs_sync_daemon is run by rsguard; keepalived's VRRP process also runs it from this line, so take it out of the keepalived.conf keepalived reads`);
  }
  const lvs = { ...(Object.keys(timeouts).length ? { timeouts } : {}), ...(syncDaemon ? { syncDaemon } : {}) };
  // The sync daemon and timeouts are kernel-wide: a director with no virtual_server of its own still gets them (kind ipvs, no services).
  const balancer = virtualServices.length || Object.keys(lvs).length ? { kind: 'ipvs', cleanStop: true, foreignServers: 'keep', ...lvs } : { kind: 'none' };
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
      case 'lvs_timeouts':
      case 'lvs_sync_daemon':
        // Read by importKeepalived (the balancer's settings).
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

