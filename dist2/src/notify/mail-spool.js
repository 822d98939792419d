import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { writeFileAtomic, writeFileAtomicSync } from '../lib/atomic-write.js';
import path from 'node:path';
/**
 * Pending mail on disk: one file per event, written before anything is sent,
 * so nothing is lost across a crash or restart. A mail's events are removed
 * only after the SMTP server accepted it; a `sent-` marker written first
 * finishes that removal after a crash, so a mail is not sent twice.
 */
// Not "sent-...": that prefix is the crash marker open() finishes.
const SENT_LOG = 'mailed-ids.log';
const SENT_KEEP = 10_000;
export class MailSpool {
    dir;
    /** Ids of events already mailed, kept across restarts: a transition seen again after a crash is not mailed twice. */
    sent = new Set();
    constructor(dir) {
        this.dir = dir;
    }
    wasSent(id) {
        return this.sent.has(id);
    }
    async open() {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        const log = await readFile(path.join(this.dir, SENT_LOG), 'utf8').catch(() => '');
        const ids = log.split('\n').filter(Boolean);
        for (const id of ids.slice(-SENT_KEEP))
            this.sent.add(id);
        if (ids.length > 2 * SENT_KEEP)
            await writeFile(path.join(this.dir, SENT_LOG), `${ids.slice(-SENT_KEEP).join('\n')}\n`);
        // Finish removals a crash interrupted.
        for (const name of await readdir(this.dir)) {
            if (!name.startsWith('sent-'))
                continue;
            if (name.endsWith('.tmp')) {
                await rm(path.join(this.dir, name), { force: true });
                continue;
            }
            // A marker torn by a crash mid-write never started its removals: drop it, and the mail is sent again
            // (the same message) rather than rsguard refusing to start.
            let ids = [];
            try {
                const parsed = JSON.parse(await readFile(path.join(this.dir, name), 'utf8'));
                if (Array.isArray(parsed))
                    ids = parsed.filter((x) => typeof x === 'string' && /^[0-9a-f]+$/.test(x));
            }
            catch {
                ids = [];
            }
            await this.removeEvents(ids);
            await rm(path.join(this.dir, name), { force: true });
        }
    }
    /**
     * Idempotent: an event with an id already spooled is not added again.
     * Synchronous on purpose: the event is on disk before the transition that
     * made it is persisted or applied (see FileStateStore), so a crash can
     * repeat a mail but never lose one.
     */
    async add(event) {
        writeFileAtomicSync(path.join(this.dir, `ev-${event.id}.json`), JSON.stringify(event), 0o600);
    }
    /** The ids waiting, from the file names alone (no file is read: this runs on every enqueue). */
    async pendingIds() {
        return (await readdir(this.dir)).filter((n) => n.startsWith('ev-') && n.endsWith('.json')).map((n) => n.slice(3, -5));
    }
    async pending() {
        const out = [];
        for (const name of await readdir(this.dir)) {
            if (!name.startsWith('ev-') || !name.endsWith('.json'))
                continue;
            try {
                out.push(JSON.parse(await readFile(path.join(this.dir, name), 'utf8')));
            }
            catch {
                // A torn file from a crash mid-write is never renamed into place; anything else unreadable is skipped, not fatal.
            }
        }
        return out.sort((a, b) => a.at - b.at);
    }
    async markSent(mailId, ids) {
        const marker = path.join(this.dir, `sent-${mailId}`);
        // The marker only guards a crash between here and the removals; a full disk must not stop the removals
        // (the mail is already accepted, and leaving its events would send it again).
        // Written then renamed, so a crash leaves a whole marker or none; the .tmp is not a marker (open() skips it).
        const marked = await writeFileAtomic(marker, JSON.stringify(ids)).then(() => true, () => false);
        for (const id of ids)
            this.sent.add(id);
        await appendFile(path.join(this.dir, SENT_LOG), `${ids.join('\n')}\n`).catch(() => { });
        await this.removeEvents(ids);
        if (marked)
            await rm(marker, { force: true });
    }
    async removeEvents(ids) {
        await Promise.all(ids.map((id) => rm(path.join(this.dir, `ev-${id}.json`), { force: true })));
    }
}
//# sourceMappingURL=mail-spool.js.map