import type { SentMarks } from './sent-marks.js';
import type { Model } from '../model/model.js';
import type { MonitorEvent } from '../engine/events.js';
import type { Logger } from '../lib/logger.js';
import type { VrrpTransition } from '../model/vrrp-event.js';
import { VrrpInputs } from '../vrrp/vrrp-inputs.js';
import { Mailer } from './mailer.js';
import { MailSpool } from './mail-spool.js';
import { Notifier, type NotifierServers } from './notifier.js';
import { realTimers, type Timers } from '../lib/timers.js';
import { smtpTransport } from './smtp-transport.js';

export interface Notifications {
  onEvent(e: MonitorEvent): void;
  recordVrrp(t: VrrpTransition): void;
  /** After a reload: opens, closes or moves the notify_fifo reader to what the config now says. */
  reconfigure(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** On taking over the leader lease: mail the last leader left unsent (distributed mode). */
  adopt(): Promise<void>;
}

/** The mail counters the notifications feed (Metrics has them; named here so notify does not reach sideways into metrics). */
export interface MailMetrics {
  mailSent: { inc(): void };
  mailFailed: { inc(): void };
  mailPending: { set(n: number): void };
}

/**
 * Part of the composition root: the mailer (nodemailer), the notifier, and
 * the VRRP inputs, whose transitions go onto the event bus like any other.
 */
export function wireNotifications(model: () => Model, emit: (e: MonitorEvent) => void, metrics: MailMetrics, pools: () => string, servers: NotifierServers, log: Logger, clock: () => number, timers: Timers = realTimers, shared?: SentMarks, leading?: () => boolean): Notifications {
  const email = model().notify.email;
  const mailer = email
    ? new Mailer(email, smtpTransport(email), new MailSpool(email.spoolDir), pools, log, {
        sent: () => metrics.mailSent.inc(),
        failed: () => metrics.mailFailed.inc(),
        pending: (n) => metrics.mailPending.set(n),
      }, timers, shared, leading)
    : null;
  const notifier = new Notifier(model, servers, mailer, log, clock, timers);
  const recordVrrp = (t: VrrpTransition) => emit({ type: 'vrrp', at: t.at, transition: t });
  const vrrp = new VrrpInputs(model, recordVrrp, log, clock, timers);
  return {
    onEvent: (e) => notifier.onEvent(e),
    recordVrrp,
    reconfigure: () => vrrp.reconfigure(),
    adopt: async () => {
      await mailer?.adopt();
    },
    async start() {
      if (mailer) await mailer.start();
      await vrrp.start();
    },
    async stop() {
      vrrp.stop();
      notifier.close();
      if (mailer) {
        // The stop mail goes out now if it can; what cannot stays spooled for the next start.
        await Promise.race([mailer.flush(), new Promise((r) => setTimeout(r, 5000).unref())]);
        mailer.close();
      }
    },
  };
}
