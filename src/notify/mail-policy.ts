import type { Model } from '../model/model.js';
import { vsAddress as formatVs } from '../lib/address.js';
import { virtualServiceByKey } from '../model/model-index.js';
import type { MonitorEvent } from '../engine/events.js';
import { mailEventId, type MailEvent } from './mail-event.js';

function vsAddress(model: Model, key: string): { address: string; name: string; to?: string[] } {
  const vs = virtualServiceByKey(model, key);
  if (!vs) return { address: key, name: key };
  return { address: formatVs(vs), name: vs.name, ...(vs.notify?.emailTo ? { to: vs.notify.emailTo } : {}) };
}

/**
 * Which monitor events become mail, keepalived-style. A flapping server gets
 * one "flapping" mail and none for its transitions until it stops (Nagios
 * suppresses notifications while flapping). Keeps no state: whether a server
 * flaps is read from its record, which a reload rebuilds (a set kept here
 * outlived a server removed while flapping, and silenced it once added back).
 */
export class MailPolicy {
  constructor(
    private readonly model: () => Model,
    /** Flapping, or in maintenance: no mail for its transitions. */
    private readonly silenced: (vsKey: string, rsKey: string) => boolean,
  ) {}

  toMail(e: MonitorEvent): MailEvent[] {
    const m = this.model();
    const make = (partial: Omit<MailEvent, 'id'>): MailEvent[] => [{ ...partial, id: mailEventId(partial) }];
    switch (e.type) {
      case 'server-hard': {
        if (this.silenced(e.server.vs, e.server.rs)) return [];
        const vs = vsAddress(m, e.server.vs);
        return make({ at: e.at, since: e.since, kind: e.to === 'down' ? 'rs-down' : 'rs-up', vs: vs.address, vsName: vs.name, rs: e.server.rs, check: e.check, reason: e.reason, ...(vs.to ? { to: vs.to } : {}) });
      }
      case 'server-flapping': {
        const vs = vsAddress(m, e.server.vs);
        return make({ at: e.at, kind: e.flapping ? 'flapping-start' : 'flapping-stop', vs: vs.address, vsName: vs.name, rs: e.server.rs, reason: `${e.percent.toFixed(1)}% state changes`, ...(vs.to ? { to: vs.to } : {}) });
      }
      case 'sorry-server': {
        const vs = vsAddress(m, e.vs);
        return make({ at: e.at, kind: e.active ? 'sorry-in' : 'sorry-out', vs: vs.address, vsName: vs.name, ...(vs.to ? { to: vs.to } : {}) });
      }
      case 'sorry-health': {
        const vs = vsAddress(m, e.vs);
        return make({ at: e.at, kind: e.up ? 'sorry-up' : 'sorry-down', vs: vs.address, vsName: vs.name, rs: e.server, check: e.check, reason: e.reason, ...(vs.to ? { to: vs.to } : {}) });
      }
      case 'quorum': {
        const vs = vsAddress(m, e.vs);
        const reason = `up weight ${e.upWeight}, quorum ${e.quorum}`;
        return make({ at: e.at, kind: e.up ? 'quorum-gained' : 'quorum-lost', vs: vs.address, vsName: vs.name, reason, ...(vs.to ? { to: vs.to } : {}) });
      }
      case 'vrrp':
        return make({ at: e.at, kind: 'vrrp', vrrp: { kind: e.transition.kind, name: e.transition.name, state: e.transition.state, priority: e.transition.priority } });
      case 'daemon':
        return make({ at: e.at, kind: e.state === 'starting' ? 'started' : 'stopping' });
      case 'check-error':
        return make({ at: e.at, kind: e.active ? 'check-error' : 'check-error-cleared', check: e.active ? e.check : null, reason: e.detail, checkError: { reason: e.reason, checks: e.checks } });
      case 'safety-valve': {
        const vs = vsAddress(m, e.vs);
        const reason = `${e.held} of ${e.total} real servers went down within one interval`;
        return make({ at: e.at, kind: e.confirmed ? 'valve-confirmed' : 'valve-held', vs: vs.address, vsName: vs.name, reason, ...(vs.to ? { to: vs.to } : {}) });
      }
      // The one line a server under maintenance gets instead of its DOWN and UP mails.
      case 'server-admin': {
        const vs = vsAddress(m, e.server.vs);
        return make({ at: e.at, kind: `${e.mode}-${e.on ? 'on' : 'off'}`, vs: vs.address, vsName: vs.name, rs: e.server.rs, reason: e.reason ?? undefined, admin: { source: e.source, by: e.by }, ...(vs.to ? { to: vs.to } : {}) });
      }
      // A weight the server's own check sets is routine (keepalived mails none either); it is logged and shown.
      case 'server-soft':
      case 'server-weight':
        return [];
    }
  }
}
