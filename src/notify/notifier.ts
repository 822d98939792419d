import type { Model } from '../model/model.js';
import type { MonitorEvent } from '../engine/events.js';
import type { ServerRecord } from '../engine/server-table.js';
import type { Logger } from '../lib/logger.js';
import { hooksFor, runHook } from './hooks.js';
import { mailEventId } from './mail-event.js';
import { MailPolicy } from './mail-policy.js';
import type { Mailer } from './mailer.js';
import { every, realTimers, type Timers } from '../lib/timers.js';
import { appendTransition, transitionLine } from '../vrrp/transition-log.js';

export interface DownServer {
  vs: string;
  vsName: string;
  rs: string;
  check: string | null;
  reason: string;
}

/** What the notifier reads of the server table (the monitor's, rebuilt on reload, so a removed server is gone). */
export interface NotifierServers {
  /** Servers hard down now. */
  down(): Iterable<DownServer>;
  /** The server is flapping now, or in maintenance: its transitions are not mailed (the operator knows why it comes and goes). */
  silenced(vsKey: string, rsKey: string): boolean;
}

/** The notifier's view of the server table. */
export function notifierServers(table: { allServers(): Iterable<ServerRecord>; server(vsKey: string, rsKey: string): ServerRecord | undefined }): NotifierServers {
  return {
    *down() {
      for (const r of table.allServers()) if (r.hardState === 'down' && r.admin?.mode !== 'maint') yield { vs: r.ref.vs, vsName: r.ref.vsName, rs: r.ref.rs, check: r.downCheck, reason: r.downReason };
    },
    silenced: (vs, rs) => {
      const r = table.server(vs, rs);
      return r !== undefined && (r.flapping || r.admin?.mode === 'maint');
    },
  };
}

/**
 * Fans monitor events out to mail, hooks and the VRRP transition log. The
 * JSON log line of an event is written before this runs (the daemon's first
 * subscriber), so a transition is always logged before it is mailed.
 */
export class Notifier {
  private readonly policy: MailPolicy;
  private stopReminder: (() => void) | undefined;

  constructor(
    private readonly model: () => Model,
    private readonly servers: NotifierServers,
    private readonly mailer: Pick<Mailer, 'enqueue'> | null,
    private readonly log: Logger,
    private readonly clock: () => number,
    timers: Timers = realTimers,
  ) {
    this.policy = new MailPolicy(model, (vs, rs) => servers.silenced(vs, rs));
    const reminderMs = model().notify.email?.reminderIntervalMs ?? 0;
    if (mailer && reminderMs > 0) this.stopReminder = every(timers, reminderMs, () => this.remind());
  }

  onEvent(e: MonitorEvent): void {
    const m = this.model();
    if (e.type === 'vrrp' && m.notify.transitionLog) {
      appendTransition(m.notify.transitionLog, transitionLine(e.transition)).catch((err: Error) => this.log.error({ file: m.notify.transitionLog, err: err.message }, 'transition log write failed'));
    }
    for (const h of hooksFor(e, m)) void runHook(h.argv, m.notify.hookTimeoutMs, this.log, h.what);
    if (!this.mailer) return;
    for (const mail of this.policy.toMail(e)) {
      this.mailer.enqueue(mail).catch((err: Error) => this.log.error({ err: err.message, mail: mail.kind }, 'mail spool write failed'));
    }
  }

  /** ldirectord emailalertfreq: a reminder for every server still down. */
  remind(): void {
    if (!this.mailer) return;
    const at = this.clock();
    for (const d of this.servers.down()) {
      const partial = { at, kind: 'rs-still-down' as const, vs: d.vs, vsName: d.vsName, rs: d.rs, check: d.check, reason: d.reason };
      void this.mailer!.enqueue({ ...partial, id: mailEventId(partial) });
    }
  }

  close(): void {
    this.stopReminder?.();
  }
}
