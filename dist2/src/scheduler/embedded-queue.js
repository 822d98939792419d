import { runProbe } from './run-probe.js';
/**
 * In-process queue and worker pool: at most `concurrency` probes in flight,
 * the rest wait in FIFO order. Embedded mode needs no Redis, like ldirectord.
 */
export class EmbeddedQueue {
    concurrency;
    resources;
    clock;
    waiting = [];
    waitingHead = 0;
    running = 0;
    handler = () => { };
    closed = false;
    inFlight = new Set();
    idle;
    constructor(concurrency, resources, clock = Date.now) {
        this.concurrency = concurrency;
        this.resources = resources;
        this.clock = clock;
    }
    submit(job) {
        if (this.closed)
            return;
        if (this.running < this.concurrency)
            this.start(job);
        else
            this.waiting.push(job);
    }
    onOutcome(handler) {
        this.handler = handler;
    }
    pending() {
        return this.running + this.waiting.length - this.waitingHead;
    }
    start(job) {
        this.running++;
        const startedAt = this.clock();
        const controller = new AbortController();
        this.inFlight.add(controller);
        void runProbe(job, this.resources, controller).then((result) => {
            this.running--;
            this.inFlight.delete(controller);
            if (!this.closed)
                this.handler({ job, result, startedAt, finishedAt: this.clock() });
            this.next();
        });
    }
    next() {
        while (this.running < this.concurrency && this.waitingHead < this.waiting.length) {
            const job = this.waiting[this.waitingHead++];
            // Compact now and then instead of shift() on every job, which is O(n).
            if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
                this.waiting.splice(0, this.waitingHead);
                this.waitingHead = 0;
            }
            this.start(job);
        }
        if (this.running === 0 && this.idle)
            this.idle();
    }
    /** Aborts probes in flight (they resolve at once) and drops what waits. */
    async close() {
        this.waiting.length = 0;
        this.waitingHead = 0;
        this.closed = true;
        for (const controller of this.inFlight)
            controller.abort(new Error('rsguard is stopping'));
        if (this.running > 0)
            await new Promise((resolve) => (this.idle = resolve));
    }
}
//# sourceMappingURL=embedded-queue.js.map