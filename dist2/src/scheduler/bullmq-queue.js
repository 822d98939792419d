import { Queue, QueueEvents } from 'bullmq';
export const QUEUE_NAME = 'probes';
const LOST_GRACE_MS = 10_000;
/**
 * One BullMQ job per probe cost ~1 CPU-s per 1000 checks in rsguard plus
 * 0.3 in Redis (queue bench, 1 worker, 1000 checks/s): Lua scripts, stream
 * events and round trips per job. Probes due within a few milliseconds are
 * therefore sent as one job; the window adds at most BATCH_WINDOW_MS of lag.
 */
const BATCH_MAX = 200;
const BATCH_WINDOW_MS = 10;
/**
 * Distributed mode: probe jobs go to BullMQ on Redis, workers anywhere run
 * them, results come back through QueueEvents. Jobs of one tick are added in
 * one addBulk; job ids are deterministic (check id and due time), so a check
 * is never queued twice for one round. A job with no answer by its deadline
 * plus a grace period is reported stale: its check is rescheduled, no state
 * changes (fail static when Redis or the workers are away).
 */
export class BullmqQueue {
    clock;
    onError;
    queue;
    events;
    handler = () => { };
    inFlight = new Map();
    buffer = [];
    flushTimer;
    sweeper;
    lastError = null;
    /** Answers received, and jobs given up as stale or lost (for metrics). */
    completed = 0;
    stale = 0;
    constructor(connection, eventsConnection, prefix, clock = Date.now, onError = () => { }) {
        this.clock = clock;
        this.onError = onError;
        this.queue = new Queue(QUEUE_NAME, { connection, prefix });
        this.events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix });
        this.queue.on('error', (err) => (this.lastError = err.message));
        this.events.on('error', (err) => (this.lastError = err.message));
        this.events.on('completed', ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue));
        this.sweeper = setInterval(() => this.sweep(), 1000);
    }
    submit(job) {
        this.inFlight.set(job.id, { job, deadline: this.clock() + job.timeoutMs + LOST_GRACE_MS });
        this.buffer.push(job);
        if (this.buffer.length >= BATCH_MAX)
            void this.flush();
        else if (!this.flushTimer)
            this.flushTimer = setTimeout(() => void this.flush(), BATCH_WINDOW_MS);
    }
    async flush() {
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        const jobs = this.buffer;
        this.buffer = [];
        if (!jobs.length)
            return;
        const batches = [];
        for (let i = 0; i < jobs.length; i += BATCH_MAX)
            batches.push({ probes: jobs.slice(i, i + BATCH_MAX) });
        try {
            // The first probe's id (check and due time) names the batch: deterministic, and unique per round.
            await this.queue.addBulk(batches.map((data) => ({ name: 'probes', data, opts: { jobId: `b-${data.probes[0].id}-${data.probes.length}`, removeOnComplete: true, removeOnFail: true, attempts: 1 } })));
            this.lastError = null;
        }
        catch (err) {
            // Redis is away: these jobs are reported stale by the sweeper and retried next round.
            const message = err.message;
            if (message !== this.lastError)
                this.onError(message);
            this.lastError = message;
        }
    }
    onCompleted(_batchId, returnvalue) {
        let replies;
        try {
            replies = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue);
            if (!Array.isArray(replies))
                return;
        }
        catch {
            // Unreadable: its probes are given up by the sweeper.
            return;
        }
        for (const reply of replies) {
            const entry = this.inFlight.get(reply.id);
            if (!entry)
                continue;
            this.inFlight.delete(reply.id);
            if (reply.stale || !reply.outcome) {
                this.stale++;
                this.handler({ job: entry.job, result: { ok: false, durationMs: 0, detail: 'stale' }, startedAt: this.clock(), finishedAt: this.clock(), stale: true });
            }
            else {
                this.completed++;
                this.handler({ ...reply.outcome, job: entry.job });
            }
        }
    }
    sweep() {
        const now = this.clock();
        for (const [id, entry] of this.inFlight) {
            if (entry.deadline > now)
                continue;
            this.inFlight.delete(id);
            this.stale++;
            this.handler({ job: entry.job, result: { ok: false, durationMs: 0, detail: 'no worker answered' }, startedAt: now, finishedAt: now, stale: true });
        }
    }
    onOutcome(handler) {
        this.handler = handler;
    }
    pending() {
        return this.inFlight.size;
    }
    /** Job counts by state; rejects after 500 ms, since with Redis away the call would wait for it forever. */
    async counts() {
        let timer;
        const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('Redis did not answer')), 500)));
        try {
            return await Promise.race([this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed'), timeout]);
        }
        finally {
            clearTimeout(timer);
        }
    }
    async close() {
        clearInterval(this.sweeper);
        clearTimeout(this.flushTimer);
        this.inFlight.clear();
        await Promise.allSettled([this.events.close(), this.queue.close()]);
    }
}
//# sourceMappingURL=bullmq-queue.js.map