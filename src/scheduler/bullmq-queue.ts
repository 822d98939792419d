import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProbeJob, ProbeOutcome, ProbeQueue } from './job.js';

export const QUEUE_NAME = 'probes';

/** What a worker returns for a job (BullMQ stores it as the job's return value). */
export interface WorkerReply {
  outcome?: Omit<ProbeOutcome, 'job'>;
  stale?: boolean;
}

const LOST_GRACE_MS = 10_000;

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
  private flushing = false;
  private readonly sweeper: NodeJS.Timeout;
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
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix });
    this.events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix });
    this.queue.on('error', (err) => (this.lastError = err.message));
    this.events.on('error', (err) => (this.lastError = err.message));
    this.events.on('completed', ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue as unknown));
    this.sweeper = setInterval(() => this.sweep(), 1000);
  }

  submit(job: ProbeJob): void {
    this.inFlight.set(job.id, { job, deadline: this.clock() + job.timeoutMs + LOST_GRACE_MS });
    this.buffer.push(job);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    const jobs = this.buffer;
    this.buffer = [];
    this.flushing = false;
    try {
      await this.queue.addBulk(jobs.map((data) => ({ name: data.kind, data, opts: { jobId: data.id, removeOnComplete: true, removeOnFail: true, attempts: 1 } })));
      this.lastError = null;
    } catch (err) {
      // Redis is away: these jobs are reported stale by the sweeper and retried next round.
      const message = (err as Error).message;
      if (message !== this.lastError) this.onError(message);
      this.lastError = message;
    }
  }

  private onCompleted(jobId: string, returnvalue: unknown): void {
    const entry = this.inFlight.get(jobId);
    if (!entry) return;
    this.inFlight.delete(jobId);
    let reply: WorkerReply;
    try {
      reply = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as WorkerReply;
    } catch {
      reply = { stale: true };
    }
    if (reply.stale || !reply.outcome) this.stale++;
    else this.completed++;
    if (reply.stale || !reply.outcome) this.handler({ job: entry.job, result: { ok: false, durationMs: 0, detail: 'stale' }, startedAt: this.clock(), finishedAt: this.clock(), stale: true });
    else this.handler({ ...reply.outcome, job: entry.job });
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, entry] of this.inFlight) {
      if (entry.deadline > now) continue;
      this.inFlight.delete(id);
      this.stale++;
      this.handler({ job: entry.job, result: { ok: false, durationMs: 0, detail: 'no worker answered' }, startedAt: now, finishedAt: now, stale: true });
    }
  }

  onOutcome(handler: (o: ProbeOutcome) => void): void {
    this.handler = handler;
  }

  pending(): number {
    return this.inFlight.size;
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.inFlight.clear();
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
