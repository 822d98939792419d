import type { Model } from '../config/model.js';
import type { MonitorEvent } from '../engine/events.js';
import type { Logger } from '../log.js';
import { hooksFor, runHook } from './hooks.js';
import { mailEventId } from './mail-event.js';
import { MailPolicy } from './mail-policy.js';
import type { Mailer } from './mailer.js';
import { appendTransition, transitionLine } from '../vrrp/transition-log.js';

export interface DownServer {
  vs: string;
  vsName: string;
  rs: string;
  check: string | null;
  reason: string;
}

/**
 * Fans monitor events out to mail, hooks and the VRRP transition log. The
 * JSON log line of an event is written before this runs (the daemon's first
 * subscriber), so a transition is always logged before it is mailed.
 */
export class Notifier {
  private readonly policy: MailPolicy;
  private reminder: NodeJS.Timeout | undefined;

  constructor(
    private readonly model: () => Model,
    /** Servers hard down now, from the monitor's one server table (a reload prunes it). */
    private readonly downServers: () => Iterable<DownServer>,
    private readonly mailer: Mailer | null,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.policy = new MailPolicy(model);
    const every = model().notify.email?.reminderIntervalMs ?? 0;
    if (mailer && every > 0) this.reminder = setInterval(() => this.remind(), every);
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
    for (const d of this.downServers()) {
      const partial = { at, kind: 'rs-still-down' as const, vs: d.vs, vsName: d.vsName, rs: d.rs, check: d.check, reason: d.reason };
      void this.mailer!.enqueue({ ...partial, id: mailEventId(partial) });
    }
  }

  close(): void {
    clearInterval(this.reminder);
  }
}
