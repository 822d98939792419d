import type { ConfigIssue } from '../errors.js';
import { number, type KaNode } from './keepalived-parser.js';
import { splitCommand } from './keepalived-split.js';

const VRRP_NOTIFY: Record<string, string> = { notify: 'notify', notify_master: 'master', notify_backup: 'backup', notify_fault: 'fault', notify_stop: 'stop' };

function vrrpNotify(n: KaNode): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  // notify_script_init: the script is the line's second word as the quoted, escaped splitter reads it; later words are user/group.
  for (const c of n.children ?? []) {
    const script = VRRP_NOTIFY[c.key] ? splitCommand(c.raw).words[1] : undefined;
    if (script) out[VRRP_NOTIFY[c.key]!] = script;
  }
  return Object.keys(out).length ? out : undefined;
}

/** What rsguard shows of a vrrp_instance; the rest (authentication, tracking, timers) is keepalived's business. */
export function vrrpInstance(n: KaNode, errors: ConfigIssue[], tolerated: ConfigIssue[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = { name: n.args[0] };
  const vips: string[] = [];
  for (const c of n.children ?? []) {
    if (c.key === 'interface' && c.args[0]) out.interface = c.args[0];
    else if (c.key === 'virtual_router_id') out.virtualRouterId = number(c, errors, 1);
    else if (c.key === 'priority') {
      // vrrp_prio_handler: read_unsigned_strvec(1..255) or "Priority not valid! ... Using default 100", and keepalived reads on.
      const p = c.args[0] ?? '';
      if (/^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= 255) out.priority = Number(p);
      else {
        tolerated.push({ file: c.file, line: c.line, path: c.key, message: `(${String(n.args[0])}) Priority not valid! must be between 1 & 255. Using default 100 (got ${JSON.stringify(p)})` });
        out.priority = 100;
      }
    }
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
