import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { FailStaticWatch, type FailStaticChange } from './fail-static.js';
import type { ProbeJob, ProbeOutcome, ProbeQueue } from './job.js';
import { every, realTimers, type Timers } from '../lib/timers.js';

export const QUEUE_NAME = 'probes';

/** What a worker returns for one probe of a batch. */
export interface WorkerReply {
  id: string;
  outcome?: Omit<ProbeOutcome, 'job'>;
  stale?: boolean;
}

/** A BullMQ job carries the probes due in one short window, not one probe (see BATCH_*). */
export interface ProbeBatch {
  probes: ProbeJob[];
}

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
 * No job carries more than 1/MIN_JOBS of the checks: a worker stopped with a
 * job in hand leaves that share stale, not every check (after a stall every
 * overdue check is submitted in the same instant). At 3,200 checks and more
 * the cap is BATCH_MAX, as before.
 */
const MIN_JOBS = 16;

export function batchSize(checks: number): number {
  return Math.max(1, Math.min(BATCH_MAX, Math.ceil(checks / MIN_JOBS)));
}

/**
 * Distributed mode: probe jobs go to BullMQ on Redis, workers anywhere run
 * them, results come back through QueueEvents. Jobs of one tick are added in
 * one addBulk; job ids are deterministic (check id and due time), so a check
 * is never queued twice for one round. A job with no answer by its deadline
 * plus a grace period is reported stale: its check is rescheduled, no state
 * changes (fail static when Redis or the workers are away).
 */
export class BullmqQueue implements ProbeQueue {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private handler: (o: ProbeOutcome) => void = () => {};
  private readonly inFlight = new Map<string, { job: ProbeJob; deadline: number }>();
  private buffer: ProbeJob[] = [];
  private batchMax = BATCH_MAX;
  private flushTimer: unknown;
  private readonly stopSweeper: () => void;
  private readonly failStatic = new FailStaticWatch();
  lastError: string | null = null;
  /** Answers received, and jobs given up as stale or lost (for metrics). */
  completed = 0;
  stale = 0;

  constructor(
    connection: Redis,
    eventsConnection: Redis,
    prefix: string,
    private readonly clock: () => number = Date.now,
    private readonly onError: (message: string) => void = () => {},
    private readonly onFailStatic: (change: FailStaticChange, lastError: string | null) => void = () => {},
    private readonly timers: Timers = realTimers,
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix });
    this.events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix });
    this.queue.on('error', (err) => (this.lastError = err.message));
    this.events.on('error', (err) => (this.lastError = err.message));
    this.events.on('completed', ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue as unknown));
    this.stopSweeper = every(timers, 1000, () => this.sweep());
  }

  expectChecks(checks: number): void {
    this.batchMax = batchSize(checks);
  }

  submit(job: ProbeJob): void {
    this.inFlight.set(job.id, { job, deadline: this.clock() + job.timeoutMs + LOST_GRACE_MS });
    this.buffer.push(job);
    if (this.buffer.length >= BATCH_MAX) void this.flush();
    else if (!this.flushTimer) this.flushTimer = this.timers.setTimeout(() => void this.flush(), BATCH_WINDOW_MS);
  }

  private async flush(): Promise<void> {
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const jobs = this.buffer;
    this.buffer = [];
    if (!jobs.length) return;
    const batches: ProbeBatch[] = [];
    for (let i = 0; i < jobs.length; i += this.batchMax) batches.push({ probes: jobs.slice(i, i + this.batchMax) });
    try {
      // The first probe's id (check and due time) names the batch: deterministic, and unique per round.
      await this.queue.addBulk(batches.map((data) => ({ name: 'probes', data, opts: { jobId: `b-${data.probes[0]!.id}-${data.probes.length}`, removeOnComplete: true, removeOnFail: true, attempts: 1 } })));
      this.lastError = null;
    } catch (err) {
      // Redis is away: these jobs are reported stale by the sweeper and retried next round.
      const message = (err as Error).message;
      if (message !== this.lastError) this.onError(message);
      this.lastError = message;
    }
  }

  private onCompleted(_batchId: string, returnvalue: unknown): void {
    let replies: WorkerReply[];
    try {
      replies = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as WorkerReply[];
      if (!Array.isArray(replies)) return;
    } catch {
      // Unreadable: its probes are given up by the sweeper.
      return;
    }
    for (const reply of replies) {
      const entry = this.inFlight.get(reply.id);
      if (!entry) continue;
      this.inFlight.delete(reply.id);
      // A worker answered, even to say the job was too old: Redis and the workers are there.
      this.failStatic.answer();
      if (reply.stale || !reply.outcome) {
        this.stale++;
        this.handler({ job: entry.job, result: { ok: false, durationMs: 0, detail: 'stale' }, startedAt: this.clock(), finishedAt: this.clock(), stale: true });
      } else {
        this.completed++;
        this.handler({ ...reply.outcome, job: entry.job });
      }
    }
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, entry] of this.inFlight) {
      if (entry.deadline > now) continue;
      this.inFlight.delete(id);
      this.stale++;
      this.failStatic.gaveUp();
      this.handler({ job: entry.job, result: { ok: false, durationMs: 0, detail: 'no worker answered' }, startedAt: now, finishedAt: now, stale: true });
    }
    const change = this.failStatic.tick(now);
    if (change) this.onFailStatic(change, this.lastError);
  }

  onOutcome(handler: (o: ProbeOutcome) => void): void {
    this.handler = handler;
  }

  pending(): number {
    return this.inFlight.size;
  }

  /** Job counts by state; rejects after 500 ms, since with Redis away the call would wait for it forever. */
  async counts(): Promise<Record<string, number>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('Redis did not answer')), 500)));
    try {
      return await Promise.race([this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.stopSweeper();
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.inFlight.clear();
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
