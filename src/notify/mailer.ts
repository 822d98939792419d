import { createHash } from 'node:crypto';
import type { EmailDef } from '../model/model.js';
import type { Logger } from '../lib/logger.js';
import { Backoff } from '../lib/backoff.js';
import { realTimers, type Timers } from '../lib/timers.js';
import { composeMail } from './mail-composer.js';
import type { MailEvent } from './mail-event.js';
import type { MailSpool } from './mail-spool.js';
import type { SentMarks } from './sent-marks.js';

/** The one thing the mailer needs from nodemailer: send a message or throw. */
export interface MailTransport {
  sendMail(message: { from: string; to: string[]; subject: string; text: string; messageId: string; headers: Record<string, string> }): Promise<unknown>;
  close(): void;
}

export interface MailerStats {
  sent(): void;
  failed(): void;
  pending(n: number): void;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Batches events inside the digest window into one mail per set of
 * recipients, sends through the transport, retries with backoff when the SMTP
 * server is away, and keeps everything in the spool until it is accepted.
 */
export class Mailer {
  private timer: unknown;
  private sending = false;
  private again = false;
  private readonly backoff = new Backoff(1000, MAX_BACKOFF_MS);
  private closed = false;
  /** Events the spool could not take (disk full): kept here and offered to the spool again on every flush. */
  private readonly unspooled = new Map<string, MailEvent>();

  constructor(
    private readonly def: EmailDef,
    private readonly transport: MailTransport,
    private readonly spool: MailSpool,
    private readonly pools: () => string,
    private readonly log: Logger,
    private readonly stats: MailerStats,
    private readonly timers: Timers = realTimers,
    /** Distributed mode: what the other schedulers on the queue mailed (a takeover sees the same transitions again). */
    private readonly shared?: SentMarks,
    /**
     * Distributed mode: only the holder of the leader lease mails, asked before every spool and every send (the
     * reminder and a paused leader's spool do not pass through the event gate). What waits is sent on taking over.
     */
    private readonly leading: () => boolean = () => true,
  ) {}

  /** Of `ids`, those another scheduler mailed; none when it cannot tell (fails open, logged). */
  private async sentElsewhere(ids: string[]): Promise<Set<string>> {
    if (!this.shared) return new Set();
    try {
      return await this.shared.sent(ids);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot ask Redis which mails were sent: sending (a mail twice rather than none)');
      return new Set();
    }
  }

  /** Sends what a previous run left in the spool. */
  async start(): Promise<void> {
    await this.spool.open();
    const left = await this.spool.pending();
    this.stats.pending(left.length);
    if (left.length) {
      this.log.info({ pending: left.length }, 'mail left in the spool, sending');
      this.schedule(0);
    }
  }

  /**
   * Spools at once (so it is not lost), sends when the digest window closes.
   * A spool that cannot take it (ENOSPC, EIO) must not lose it either: it
   * waits in memory, is sent from there, and is spooled once the disk allows.
   */
  async enqueue(event: MailEvent): Promise<void> {
    if (!this.leading()) return;
    if (this.spool.wasSent(event.id)) {
      this.log.info({ kind: event.kind, id: event.id }, 'mail already sent for this transition (seen again after a restart), not sent twice');
      return;
    }
    try {
      await this.spool.add(event);
    } catch (err) {
      this.unspooled.set(event.id, event);
      this.log.error({ err: (err as Error).message, kind: event.kind, inMemory: this.unspooled.size }, 'mail spool write failed, keeping the mail in memory');
    }
    await this.shared?.hold(event).catch((err: Error) => this.log.warn({ err: err.message, kind: event.kind }, 'mail not put in the Redis outbox: if this scheduler dies before sending it, the one taking over will not know of it'));
    this.stats.pending(await this.pendingCount());
    this.schedule(this.def.digestWindowMs);
  }

  /**
   * Taking over the leader lease: what the last leader spooled in the Redis
   * outbox and did not send goes out from here (its transitions are already
   * in the check states this scheduler read, so they will not be seen again).
   */
  async adopt(): Promise<void> {
    if (!this.shared) return;
    try {
      const left = await this.shared.outbox();
      const sent = await this.shared.sent(left.map((e) => e.id));
      const done = (e: MailEvent) => sent.has(e.id) || this.spool.wasSent(e.id);
      // What was sent stays in the outbox only when its sender's mark failed: out now, or the next takeover reads it again.
      await this.shared.mark(left.filter(done).map((e) => e.id));
      const mine = left.filter((e) => !done(e));
      if (mine.length) this.log.warn({ events: mine.length }, 'mail the last leader spooled and did not send: sending it');
      for (const e of mine) await this.enqueue(e);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot read the Redis mail outbox on takeover: mail the last leader did not send may be lost');
    }
    // This scheduler's own spool waited while it stood by.
    this.schedule(0);
  }

  /** For the pending gauge: file names and the in-memory events, without reading the spool's files. */
  private async pendingCount(): Promise<number> {
    const ids = new Set(await this.spool.pendingIds().catch(() => [] as string[]));
    for (const id of this.unspooled.keys()) ids.add(id);
    return ids.size;
  }

  /** The spool's events and those only in memory, once each. */
  private async allPending(): Promise<MailEvent[]> {
    for (const [id, e] of this.unspooled) {
      try {
        await this.spool.add(e);
        this.unspooled.delete(id);
      } catch {
        break; // still full: try again next time
      }
    }
    const spooled = await this.spool.pending().catch(() => [] as MailEvent[]);
    const ids = new Set(spooled.map((e) => e.id));
    return [...spooled, ...[...this.unspooled.values()].filter((e) => !ids.has(e.id))].sort((a, b) => a.at - b.at);
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  async flush(): Promise<void> {
    if (!this.leading()) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    try {
      const pending = await this.allPending();
      const groups = new Map<string, MailEvent[]>();
      for (const e of pending) {
        const to = (e.to ?? this.def.to).join(',');
        groups.set(to, [...(groups.get(to) ?? []), e]);
      }
      for (const [to, all] of groups) {
        // Sent by another scheduler (a transition seen again after a takeover): it leaves the spool and the outbox
        // unsent. Asked once per mail, here, not also per event at enqueue.
        const elsewhere = await this.sentElsewhere(all.map((e) => e.id));
        if (elsewhere.size) {
          this.log.info({ events: elsewhere.size }, 'mail already sent for these transitions by another scheduler (seen again after a takeover), not sent twice');
          await this.spool.markSent('elsewhere', [...elsewhere]);
          await this.shared?.mark([...elsewhere]).catch(() => undefined);
          for (const id of elsewhere) this.unspooled.delete(id);
        }
        const events = all.filter((e) => !elsewhere.has(e.id));
        if (events.length === 0) continue;
        const ids = events.map((e) => e.id);
        const mailId = createHash('sha1').update(ids.join(',')).digest('hex').slice(0, 24);
        const { subject, text } = composeMail(events, this.def.routerId, this.pools());
        await this.transport.sendMail({ from: this.def.from, to: to.split(','), subject, text, messageId: `<${mailId}@rsguard>`, headers: { 'X-Mailer': 'rsguard', 'X-Rsguard-Events': ids.join(' ') } });
        // Redis first, the spool's files beside it: until the mark is in Redis a scheduler taking over sends this mail
        // again, so that window is one round trip, not also the spool's five file operations (tens of ms on a busy disk).
        const shared = this.shared?.mark(ids).catch((err: Error) => this.log.warn({ err: err.message, events: ids.length }, 'mail sent but not marked in Redis: a scheduler taking over could send it again'));
        await this.spool.markSent(mailId, ids);
        await shared;
        for (const id of ids) this.unspooled.delete(id);
        this.stats.sent();
        this.log.info({ to, subject, events: ids.length }, 'mail sent');
      }
      this.backoff.succeed();
      this.stats.pending(await this.pendingCount());
    } catch (err) {
      this.stats.failed();
      const retryInMs = this.backoff.fail();
      this.log.error({ err: (err as Error).message, retryInMs }, 'mail not sent, will retry');
      this.schedule(retryInMs);
    } finally {
      this.sending = false;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    }
  }

  /** Stops timers; what is pending stays in the spool for the next start. */
  close(): void {
    this.closed = true;
    this.timers.clearTimeout(this.timer);
    this.transport.close();
  }
}
