import { createHash } from 'node:crypto';
import { Backoff } from '../lib/backoff.js';
import { realTimers } from '../lib/timers.js';
import { composeMail } from './mail-composer.js';
const MAX_BACKOFF_MS = 5 * 60_000;
/**
 * Batches events inside the digest window into one mail per set of
 * recipients, sends through the transport, retries with backoff when the SMTP
 * server is away, and keeps everything in the spool until it is accepted.
 */
export class Mailer {
    def;
    transport;
    spool;
    pools;
    log;
    stats;
    timers;
    timer;
    sending = false;
    again = false;
    backoff = new Backoff(1000, MAX_BACKOFF_MS);
    closed = false;
    /** Events the spool could not take (disk full): kept here and offered to the spool again on every flush. */
    unspooled = new Map();
    constructor(def, transport, spool, pools, log, stats, timers = realTimers) {
        this.def = def;
        this.transport = transport;
        this.spool = spool;
        this.pools = pools;
        this.log = log;
        this.stats = stats;
        this.timers = timers;
    }
    /** Sends what a previous run left in the spool. */
    async start() {
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
    async enqueue(event) {
        if (this.spool.wasSent(event.id)) {
            this.log.info({ kind: event.kind, id: event.id }, 'mail already sent for this transition (seen again after a restart), not sent twice');
            return;
        }
        try {
            await this.spool.add(event);
        }
        catch (err) {
            this.unspooled.set(event.id, event);
            this.log.error({ err: err.message, kind: event.kind, inMemory: this.unspooled.size }, 'mail spool write failed, keeping the mail in memory');
        }
        this.stats.pending(await this.pendingCount());
        this.schedule(this.def.digestWindowMs);
    }
    /** For the pending gauge: file names and the in-memory events, without reading the spool's files. */
    async pendingCount() {
        const ids = new Set(await this.spool.pendingIds().catch(() => []));
        for (const id of this.unspooled.keys())
            ids.add(id);
        return ids.size;
    }
    /** The spool's events and those only in memory, once each. */
    async allPending() {
        for (const [id, e] of this.unspooled) {
            try {
                await this.spool.add(e);
                this.unspooled.delete(id);
            }
            catch {
                break; // still full: try again next time
            }
        }
        const spooled = await this.spool.pending().catch(() => []);
        const ids = new Set(spooled.map((e) => e.id));
        return [...spooled, ...[...this.unspooled.values()].filter((e) => !ids.has(e.id))].sort((a, b) => a.at - b.at);
    }
    schedule(delayMs) {
        if (this.closed || this.timer)
            return;
        this.timer = this.timers.setTimeout(() => {
            this.timer = undefined;
            void this.flush();
        }, delayMs);
    }
    async flush() {
        if (this.sending) {
            this.again = true;
            return;
        }
        this.sending = true;
        try {
            const pending = await this.allPending();
            const groups = new Map();
            for (const e of pending) {
                const to = (e.to ?? this.def.to).join(',');
                groups.set(to, [...(groups.get(to) ?? []), e]);
            }
            for (const [to, events] of groups) {
                const ids = events.map((e) => e.id);
                const mailId = createHash('sha1').update(ids.join(',')).digest('hex').slice(0, 24);
                const { subject, text } = composeMail(events, this.def.routerId, this.pools());
                await this.transport.sendMail({ from: this.def.from, to: to.split(','), subject, text, messageId: `<${mailId}@rsguard>`, headers: { 'X-Mailer': 'rsguard', 'X-Rsguard-Events': ids.join(' ') } });
                await this.spool.markSent(mailId, ids);
                for (const id of ids)
                    this.unspooled.delete(id);
                this.stats.sent();
                this.log.info({ to, subject, events: ids.length }, 'mail sent');
            }
            this.backoff.succeed();
            this.stats.pending(await this.pendingCount());
        }
        catch (err) {
            this.stats.failed();
            const retryInMs = this.backoff.fail();
            this.log.error({ err: err.message, retryInMs }, 'mail not sent, will retry');
            this.schedule(retryInMs);
        }
        finally {
            this.sending = false;
            if (this.again) {
                this.again = false;
                this.schedule(0);
            }
        }
    }
    /** Stops timers; what is pending stays in the spool for the next start. */
    close() {
        this.closed = true;
        this.timers.clearTimeout(this.timer);
        this.transport.close();
    }
}
//# sourceMappingURL=mailer.js.map