import { jobId } from './job.js';
import { MinHeap } from './min-heap.js';
import { realTimers } from '../lib/timers.js';
/**
 * Knows when each check is due and queues a probe job then; it never runs
 * probes itself. Identical checks have one id (see config), so each runs once
 * per round whatever the number of virtual services that use it. Cadence is
 * kept against due times, not completion times, so intervals do not drift.
 */
export class Scheduler {
    deps;
    entries = new Map();
    heap = new MinHeap();
    timer;
    armedFor = Infinity;
    running = false;
    timers;
    constructor(deps) {
        this.deps = deps;
        this.timers = deps.timers ?? realTimers;
        deps.queue.onOutcome((outcome) => this.onOutcome(outcome));
    }
    /** Adds new checks (spread over min(interval, spreadMs)), drops removed ones, keeps the due time of the rest. */
    setChecks(checks, spreadMs) {
        const now = this.deps.clock();
        for (const [id, entry] of this.entries) {
            if (!checks.has(id)) {
                entry.generation++;
                this.entries.delete(id);
            }
        }
        for (const [id, check] of checks) {
            const existing = this.entries.get(id);
            if (existing) {
                existing.check = check;
                continue;
            }
            const entry = { check, dueAt: now + spreadOffset(id, Math.min(check.timing.intervalMs, spreadMs)), inFlight: false, generation: 0 };
            this.entries.set(id, entry);
            this.push(id, entry);
        }
        if (this.running)
            this.arm();
    }
    start() {
        this.running = true;
        this.arm();
    }
    stop() {
        this.running = false;
        if (this.timer !== undefined)
            this.timers.clearTimeout(this.timer);
        this.timer = undefined;
        this.armedFor = Infinity;
    }
    size() {
        return this.entries.size;
    }
    push(id, entry) {
        this.heap.push(entry.dueAt, { id, generation: entry.generation });
        if (this.running && entry.dueAt < this.armedFor)
            this.arm();
    }
    arm() {
        if (!this.running)
            return;
        const next = this.heap.peekKey();
        if (next === undefined)
            return;
        if (this.timer !== undefined && next >= this.armedFor)
            return;
        if (this.timer !== undefined)
            this.timers.clearTimeout(this.timer);
        this.armedFor = next;
        this.timer = this.timers.setTimeout(() => this.tick(), Math.max(0, next - this.deps.clock()));
    }
    tick() {
        this.timer = undefined;
        this.armedFor = Infinity;
        const now = this.deps.clock();
        for (;;) {
            const key = this.heap.peekKey();
            if (key === undefined || key > now)
                break;
            const { value } = this.heap.pop();
            const entry = this.entries.get(value.id);
            if (!entry || entry.generation !== value.generation || entry.inFlight)
                continue;
            entry.inFlight = true;
            const { check } = entry;
            this.deps.queue.submit({
                id: jobId(check.id, entry.dueAt),
                checkId: check.id,
                kind: check.kind,
                target: check.target,
                spec: check.spec,
                timeoutMs: check.timing.timeoutMs,
                dueAt: entry.dueAt,
            });
        }
        this.arm();
    }
    onOutcome(outcome) {
        const entry = this.entries.get(outcome.job.checkId);
        // A stale or lost job says nothing about the server: keep its state (fail static) and try again next round.
        const delay = outcome.stale ? (entry?.check.timing.intervalMs ?? 0) : this.deps.handleOutcome(outcome);
        if (!entry || !entry.inFlight)
            return;
        entry.inFlight = false;
        entry.generation++;
        entry.dueAt = Math.max(this.deps.clock(), outcome.job.dueAt + delay);
        this.push(outcome.job.checkId, entry);
    }
}
/** Deterministic offset in [0, window) from the check id, so restarts spread the same way. */
export function spreadOffset(id, windowMs) {
    if (windowMs <= 0)
        return 0;
    return Math.floor((Number.parseInt(id.slice(0, 8), 16) / 0x1_0000_0000) * windowMs);
}
//# sourceMappingURL=scheduler.js.map