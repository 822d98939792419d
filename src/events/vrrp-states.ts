import type { MonitorEvent } from '../engine/events.js';
import type { Model } from '../config/model.js';
import type { VrrpReader, VrrpStatus } from '../read/status-document.js';

interface Seen {
  state: string;
  priority: number;
  at: number;
  via: string | null;
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
    this.seen.set(`${t.kind === 'GROUP' ? 'group' : 'instance'}:${t.name}`, { state: t.state, priority: t.priority, at: t.at, via: t.via ?? null });
  }

  vrrp(): VrrpStatus[] {
    const { vrrp } = this.model();
    const out: VrrpStatus[] = [];
    const listed = new Set<string>();
    const seen = (key: string) => {
      listed.add(key);
      const s = this.seen.get(key);
      return s
        ? { state: s.state, since: new Date(s.at).toISOString(), priority: s.priority, via: s.via }
        : { state: 'unknown', since: null, priority: null, via: null };
    };
    for (const i of vrrp.instances) {
      out.push({ kind: 'instance', name: i.name, ...seen(`instance:${i.name}`), configured: true, interface: i.interface ?? null, configuredPriority: i.priority ?? null, virtualIps: i.virtualIps, keepalivedNotify: i.keepalivedNotify ?? null });
    }
    for (const g of vrrp.syncGroups) {
      out.push({ kind: 'group', name: g.name, ...seen(`group:${g.name}`), configured: true, interface: null, configuredPriority: null, virtualIps: [], instances: g.instances, keepalivedNotify: g.keepalivedNotify ?? null });
    }
    // Reported but not configured (a YAML config without a vrrp section): still shown, since keepalived said so.
    for (const [key, s] of this.seen) {
      if (listed.has(key)) continue;
      const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)] as ['instance' | 'group', string];
      out.push({ kind, name, state: s.state, since: new Date(s.at).toISOString(), priority: s.priority, via: s.via, configured: false, interface: null, configuredPriority: null, virtualIps: [], keepalivedNotify: null });
    }
    return out;
  }
}
