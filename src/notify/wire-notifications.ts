import nodemailer from 'nodemailer';
import type { EmailDef, Model } from '../config/model.js';
import type { MonitorEvent } from '../engine/events.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { readKeepalivedFifo } from '../vrrp/fifo-reader.js';
import type { VrrpTransition } from '../vrrp/vrrp-event.js';
import { drainSpool } from '../vrrp/vrrp-spool.js';
import { appendTransition } from './transition-log.js';
import { Mailer, type MailTransport } from './mailer.js';
import { MailSpool } from './mail-spool.js';
import { Notifier, type DownServer } from './notifier.js';

export interface Notifications {
  onEvent(e: MonitorEvent): void;
  recordVrrp(t: VrrpTransition): void;
  /** After a reload: opens, closes or moves the notify_fifo reader to what the config now says. */
  reconfigure(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const SPOOL_POLL_MS = 2000;

function smtpTransport(def: EmailDef): MailTransport {
  return nodemailer.createTransport({
    host: def.smtp.host,
    port: def.smtp.port,
    secure: def.smtp.secure,
    requireTLS: def.smtp.requireTls,
    name: def.smtp.helo,
    connectionTimeout: def.smtp.connectTimeoutMs,
    greetingTimeout: def.smtp.connectTimeoutMs,
    socketTimeout: def.smtp.connectTimeoutMs,
    ...(def.smtp.auth ? { auth: def.smtp.auth } : {}),
  }) as unknown as MailTransport;
}

/**
 * Part of the composition root: creates the mailer (nodemailer), the
 * notifier, and the VRRP inputs (keepalived's notify_fifo and the spool that
 * `rsguard notify` writes when the daemon is down).
 */
export function wireNotifications(model: () => Model, emit: (e: MonitorEvent) => void, metrics: Metrics, pools: () => string, downServers: () => Iterable<DownServer>, log: Logger, clock: () => number): Notifications {
  const first = model();
  const email = first.notify.email;
  const mailer = email
    ? new Mailer(email, smtpTransport(email), new MailSpool(email.spoolDir), pools, log, {
        sent: () => metrics.mailSent.inc(),
        failed: () => metrics.mailFailed.inc(),
        pending: (n) => metrics.mailPending.set(n),
      })
    : null;
  const notifier = new Notifier(model, downServers, mailer, log, clock);
  let fifo: { stop(): void } | undefined;
  let spoolTimer: NodeJS.Timeout | undefined;
  const recordVrrp = (t: VrrpTransition) => emit({ type: 'vrrp', at: t.at, transition: t });
  const ingestSpool = async () => {
    const { transitions, bad } = await drainSpool(model().notify.vrrpSpoolDir);
    for (const b of bad) log.error({ file: b }, 'unreadable vrrp spool entry dropped');
    for (const t of transitions) recordVrrp(t);
  };
  let fifoPath: string | undefined;
  const openFifo = (path: string | undefined) => {
    fifoPath = path;
    if (!path) return;
    log.info({ fifo: path }, 'reading keepalived notify_fifo');
    fifo = readKeepalivedFifo(
      path,
      (line) => {
        if (line.type === 'vrrp') return recordVrrp(line.transition);
        if (line.type === 'invalid') return log.warn({ fifo: path, reason: line.reason }, 'notify_fifo line ignored');
        const what = line.type === 'vs' ? { vs: line.vs } : { rs: line.rs, vs: line.vs };
        log.info({ fifo: path, ...what, state: line.state }, 'keepalived checker transition');
        const log2 = model().notify.transitionLog;
        if (log2) void appendTransition(log2, `[${line.state === 'UP' ? 'Up' : 'Down'}] ${new Date(clock()).toString()} keepalived ${line.type.toUpperCase()} ${line.type === 'rs' ? `${line.rs} of ` : ''}${line.vs} is ${line.state}\n`);
      },
      (err) => log.error({ fifo: path, err: err.message }, 'notify_fifo read failed'),
      clock,
    );
  };
  return {
    onEvent: (e) => notifier.onEvent(e),
    recordVrrp,
    async start() {
      if (mailer) await mailer.start();
      await ingestSpool();
      spoolTimer = setInterval(() => void ingestSpool(), SPOOL_POLL_MS);
      openFifo(first.notify.keepalivedFifo);
    },
    reconfigure() {
      const wanted = model().notify.keepalivedFifo;
      if (wanted === fifoPath) return;
      fifo?.stop();
      fifo = undefined;
      if (fifoPath) log.info({ fifo: fifoPath }, 'notify_fifo closed');
      openFifo(wanted);
    },
    async stop() {
      fifo?.stop();
      clearInterval(spoolTimer);
      notifier.close();
      if (mailer) {
        // The stop mail goes out now if it can; what cannot stays spooled for the next start.
        await Promise.race([mailer.flush(), new Promise((r) => setTimeout(r, 5000).unref())]);
        mailer.close();
      }
    },
  };
}
