import type { ConfigIssue } from '../errors.js';
import { number } from './keepalived-checkers.js';
import type { KaNode } from './keepalived-parser.js';

const VRRP_NOTIFY: Record<string, string> = { notify: 'notify', notify_master: 'master', notify_backup: 'backup', notify_fault: 'fault', notify_stop: 'stop' };

function vrrpNotify(n: KaNode): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const c of n.children ?? []) if (VRRP_NOTIFY[c.key] && c.args.length) out[VRRP_NOTIFY[c.key]!] = c.args.join(' ');
  return Object.keys(out).length ? out : undefined;
}

/** What rsguard shows of a vrrp_instance; the rest (authentication, tracking, timers) is keepalived's business. */
export function vrrpInstance(n: KaNode, errors: ConfigIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = { name: n.args[0] };
  const vips: string[] = [];
  for (const c of n.children ?? []) {
    if (c.key === 'interface' && c.args[0]) out.interface = c.args[0];
    else if (c.key === 'virtual_router_id') out.virtualRouterId = number(c, errors, 1);
    else if (c.key === 'priority') out.priority = number(c, errors, 0);
    else if (c.key === 'state' && /^(MASTER|BACKUP)$/i.test(c.args[0] ?? '')) out.initialState = c.args[0]!.toUpperCase();
    else if (c.key === 'virtual_ipaddress') for (const v of c.children ?? []) vips.push(v.key);
  }
  out.virtualIps = vips;
  const notify = vrrpNotify(n);
  if (notify) out.keepalivedNotify = notify;
  return out;
}

export function vrrpGroup(n: KaNode): { name: string; instances: string[]; keepalivedNotify?: Record<string, string> } {
  const instances = (n.children ?? []).filter((c) => c.key === 'group').flatMap((g) => (g.children ?? []).flatMap((c) => [c.key, ...c.args]));
  const notify = vrrpNotify(n);
  return { name: n.args[0]!, instances, ...(notify ? { keepalivedNotify: notify } : {}) };
}

/** `track_file NAME { file PATH; weight W [reverse]; init_file ... }`: shared by FILE_CHECK (and keepalived's VRRP side). */
export function readTrackFiles(nodes: KaNode[], errors: ConfigIssue[]): Map<string, { path: string; weight: number; reverse: boolean }> {
  const out = new Map<string, { path: string; weight: number; reverse: boolean }>();
  for (const n of nodes) {
    if (n.key !== 'track_file' || !n.args[0]) continue;
    let path: string | undefined;
    let weight = 1;
    let reverse = false;
    for (const c of n.children ?? []) {
      if (c.key === 'file') path = c.args[0];
      else if (c.key === 'weight') {
        weight = number(c, errors, -65535) ?? 1;
        reverse = c.args[1] === 'reverse';
      }
    }
    if (!path?.startsWith('/')) errors.push({ file: n.file, line: n.line, path: 'track_file', message: `track_file ${n.args[0]} needs "file /absolute/path"` });
    else out.set(n.args[0], { path, weight, reverse });
  }
  return out;
}
