import type { Model, UnresolvedServerDef } from '../model/model.js';
import { formatHostPort } from '../lib/address.js';

/** A server whose name gives no address, as the read side shows it. */
export interface UnresolvedView extends UnresolvedServerDef {
  vsName: string;
  /** When rsguard first found it so (this process). */
  since: number;
}

/** A check error to start (reason `unresolved`) or end (null), with what to tell. */
export interface UnresolvedChange {
  id: string;
  reason: 'unresolved' | null;
  label: string;
  detail: string;
}

/**
 * The servers left out of their virtual service because their host name
 * gives no address (Model.hostNames.unresolved), each tracked as a check
 * error of its own id: the alert machinery then tells once when the first
 * appears and once when the last resolves, however often the names are
 * asked meanwhile.
 */
export class UnresolvedServers {
  private readonly byId = new Map<string, UnresolvedView>();

  list(vsKey: string): UnresolvedView[] {
    return [...this.byId.values()].filter((u) => u.vs === vsKey);
  }

  /** Takes in a model's unresolved servers; returns the errors that end (with the address now given) and those that begin. */
  sync(model: Model, at: number): UnresolvedChange[] {
    const next = new Map<string, UnresolvedServerDef>();
    for (const u of model.hostNames?.unresolved ?? []) next.set(`unresolved|${u.vs}|${formatHostPort(u.name, u.port)}`, u);
    const changes: UnresolvedChange[] = [];
    for (const [id, u] of this.byId) {
      if (next.has(id)) continue;
      this.byId.delete(id);
      const addresses = model.hostNames?.answers.get(u.lookup) ?? [];
      changes.push({ id, reason: null, label: `${formatHostPort(u.name, u.port)} in ${u.vsName}`, detail: addresses.length ? `${u.name} resolves to ${addresses.join(', ')}` : `${u.name} no longer configured` });
    }
    for (const [id, u] of next) {
      if (this.byId.has(id)) continue;
      const vsName = model.virtualServices.find((v) => v.key === u.vs)?.name ?? u.vs;
      this.byId.set(id, { ...u, vsName, since: at });
      changes.push({ id, reason: 'unresolved', label: `${formatHostPort(u.name, u.port)} in ${vsName}`, detail: `unresolved ${u.name}` });
    }
    return changes;
  }
}
