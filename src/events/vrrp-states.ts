import type { MonitorEvent } from '../engine/events.js';
import type { Model } from '../model/model.js';
import type { VrrpReader, VrrpStatus } from '../read/status-document.js';

interface Seen {
  kind: 'instance' | 'group';
  name: string;
  state: string;
  priority: number;
  at: number;
  via: string | null;
}

const key = (kind: string, name: string) => `${kind}:${name}`;

function reported(s: Seen | undefined): Pick<VrrpStatus, 'state' | 'since' | 'priority' | 'via'> {
  return s ? { state: s.state, since: new Date(s.at).toISOString(), priority: s.priority, via: s.via } : { state: 'unknown', since: null, priority: null, via: null };
}

/**
 * The last state keepalived reported for each VRRP instance and sync group.
 * A sink (it hears `vrrp` events) and a reader (the status document): the
 * configured instances are listed from the start as "unknown", since rsguard
 * does not run VRRP and must not guess which side of the pair it is on.
 */
export class VrrpStates implements VrrpReader {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly model: () => Model) {}

  onEvent(e: MonitorEvent): void {
    if (e.type !== 'vrrp') return;
    const t = e.transition;
    const kind = t.kind === 'GROUP' ? 'group' : 'instance';
    this.seen.set(key(kind, t.name), { kind, name: t.name, state: t.state, priority: t.priority, at: t.at, via: t.via ?? null });
  }

  vrrp(): VrrpStatus[] {
    const { vrrp } = this.model();
    const none = { interface: null, configuredPriority: null, virtualIps: [], keepalivedNotify: null };
    const out: VrrpStatus[] = [
      ...vrrp.instances.map((i): VrrpStatus => ({ kind: 'instance', name: i.name, ...reported(this.seen.get(key('instance', i.name))), configured: true, interface: i.interface ?? null, configuredPriority: i.priority ?? null, virtualIps: i.virtualIps, keepalivedNotify: i.keepalivedNotify ?? null })),
      ...vrrp.syncGroups.map((g): VrrpStatus => ({ kind: 'group', name: g.name, ...reported(this.seen.get(key('group', g.name))), configured: true, ...none, instances: g.instances, keepalivedNotify: g.keepalivedNotify ?? null })),
    ];
    // Reported but not configured (a YAML config without a vrrp section): still shown, since keepalived said so.
    const listed = new Set(out.map((v) => key(v.kind, v.name)));
    for (const s of this.seen.values()) if (!listed.has(key(s.kind, s.name))) out.push({ kind: s.kind, name: s.name, ...reported(s), configured: false, ...none });
    return out;
  }
}
