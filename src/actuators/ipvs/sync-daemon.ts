import type { VrrpState } from '../../model/vrrp-event.js';

/**
 * The kernel's IPVS connection sync daemon, as keepalived's
 * `lvs_sync_daemon` runs it: master (sends the connection table) while the
 * named VRRP instance is MASTER, backup (receives it) otherwise, so the
 * director that takes over already knows the connections in flight.
 */
export interface SyncDaemonDef {
  interface: string;
  /** The VRRP instance whose state decides the role. */
  vrrpInstance: string;
  syncId: number;
  /** Left out: the kernel's default (maxlen from the MTU, 224.0.0.81, 8848, ttl 1). */
  maxLen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

export type SyncRole = 'master' | 'backup';

/** One running daemon as `ipvsadm -L --daemon` shows it. */
export interface RunningDaemon {
  role: SyncRole;
  interface: string;
  syncId: number;
  maxLen: number;
  group: string;
  port: number;
  ttl: number;
}

/**
 * keepalived (vrrp.c): entering MASTER starts the master daemon and stops
 * the backup one; leaving MASTER (BACKUP, FAULT) does the opposite; the
 * instance stopping (keepalived shutting down) stops it. The notify-only
 * states (MASTER_RX_LOWER_PRI, *_PRIORITY) change nothing. Before any
 * transition is known (rsguard just started) a daemon already running with
 * the configured settings keeps its role, so a restart of rsguard on the
 * master does not stop the sync; with none running the director is taken to
 * be backup, as a keepalived instance starts: receiving never harms,
 * sending from both would.
 */
export function roleFor(state: VrrpState | undefined, previous: SyncRole | 'stopped', running: RunningDaemon[] = [], def?: SyncDaemonDef): SyncRole | 'stopped' {
  switch (state) {
    case undefined: {
      const found = def ? running.filter((d) => matches(d, def)) : [];
      return found.length === 1 ? found[0]!.role : 'backup';
    }
    case 'MASTER':
      return 'master';
    case 'BACKUP':
    case 'FAULT':
      return 'backup';
    case 'STOP':
    case 'DELETED':
      return 'stopped';
    default:
      return previous;
  }
}

/** `master sync daemon (mcast=eth0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)`, one line each. */
export function parseDaemons(text: string): RunningDaemon[] | string {
  const out: RunningDaemon[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(master|backup) sync daemon \((.*)\)$/.exec(line);
    if (!m) return `unexpected line from ipvsadm -L --daemon: ${JSON.stringify(line.slice(0, 100))}`;
    const fields = new Map(m[2]!.split(/,\s*/).map((kv) => kv.split('=') as [string, string]));
    const n = (k: string, d: number) => (fields.has(k) ? Number(fields.get(k)) : d);
    out.push({ role: m[1] as SyncRole, interface: fields.get('mcast') ?? '', syncId: n('syncid', 0), maxLen: n('maxlen', 0), group: fields.get('group') ?? '', port: n('port', 0), ttl: n('ttl', 0) });
  }
  return out;
}

/** The daemon matches the config where the config says something (what it leaves out is the kernel's choice). */
function matches(d: RunningDaemon, def: SyncDaemonDef): boolean {
  return d.interface === def.interface && d.syncId === def.syncId && (def.maxLen === undefined || d.maxLen === def.maxLen) && (def.port === undefined || d.port === def.port) && (def.ttl === undefined || d.ttl === def.ttl) && (def.group === undefined || d.group === def.group);
}

export function startArgs(role: SyncRole, def: SyncDaemonDef): string[] {
  return [
    '--start-daemon', role, '--mcast-interface', def.interface, '--syncid', String(def.syncId),
    ...(def.maxLen !== undefined ? ['--sync-maxlen', String(def.maxLen)] : []),
    ...(def.port !== undefined ? ['--mcast-port', String(def.port)] : []),
    ...(def.ttl !== undefined ? ['--mcast-ttl', String(def.ttl)] : []),
    ...(def.group !== undefined ? ['--mcast-group', def.group] : []),
  ];
}

/**
 * The ipvsadm argv lists that take the running daemons to `want`: the one
 * of the other role stopped first (keepalived's order: a director is never
 * master and backup of the same id at once by its own doing), a daemon
 * whose settings differ from the config stopped and started again.
 */
export function syncCommands(running: RunningDaemon[], want: SyncRole | 'stopped', def: SyncDaemonDef | undefined): string[][] {
  const out: string[][] = [];
  for (const d of running) if (!def || d.role !== want || !matches(d, def)) out.push(['--stop-daemon', d.role]);
  if (def && want !== 'stopped' && !running.some((d) => d.role === want && matches(d, def))) out.push(startArgs(want, def));
  return out;
}
