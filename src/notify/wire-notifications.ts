import type { SentMarks } from './sent-marks.js';
import type { Model } from '../model/model.js';
import type { MonitorEvent } from '../engine/events.js';
import type { Logger } from '../lib/logger.js';
import { statusDocument, type HealthReader, type PoolReader, type VrrpReader } from '../read/status-document.js';
import { renderStatusTable } from '../read/status-table.js';
import { Mailer } from './mailer.js';
import { MailSpool } from './mail-spool.js';
import { Notifier, type NotifierServers } from './notifier.js';
import { realTimers, type Timers } from '../lib/timers.js';
import { smtpTransport } from './smtp-transport.js';
import { waitAtMost } from '../lib/wait-at-most.js';

export interface Notifications {
  onEvent(e: MonitorEvent): void;
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

/** What the notifier reads: the running model (health.current), and the status page's readers for a mail's pool table. */
export interface NotifyReaders {
  health: HealthReader;
  pools: PoolReader;
  vrrp: VrrpReader;
}

/**
 * Part of the composition root: the mailer (nodemailer) and the notifier.
 * Each mail carries the pool table as it is when the mail is written.
 */
export function wireNotifications(metrics: MailMetrics, readers: NotifyReaders, servers: NotifierServers, log: Logger, clock: () => number, timers: Timers = realTimers, shared?: SentMarks, leading?: () => boolean): Notifications {
  const model = (): Model => readers.health.current;
  const email = model().notify.email;
  const pools = () => renderStatusTable(statusDocument(readers.health, readers.pools, clock(), readers.vrrp));
  const mailer = email
    ? new Mailer(email, smtpTransport(email), new MailSpool(email.spoolDir), pools, log, {
        sent: () => metrics.mailSent.inc(),
        failed: () => metrics.mailFailed.inc(),
        pending: (n) => metrics.mailPending.set(n),
      }, timers, shared, leading)
    : null;
  const notifier = new Notifier(model, servers, mailer, log, clock, timers);
  return {
    onEvent: (e) => notifier.onEvent(e),
    adopt: async () => {
      await mailer?.adopt();
    },
    async start() {
      if (mailer) await mailer.start();
    },
    async stop() {
      notifier.close();
      if (mailer) {
        // The stop mail goes out now if it can; what cannot stays spooled for the next start.
        await waitAtMost(mailer.flush(), 5000);
        mailer.close();
      }
    },
  };
}
