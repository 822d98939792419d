import type { ProbeResources } from '../probes/types.js';
import type { ProbeJob, ProbeOutcome, ProbeQueue } from './job.js';
import { runProbe } from './run-probe.js';
import { Deadline } from '../lib/deadline.js';

/**
 * In-process queue and worker pool: at most `concurrency` probes in flight,
 * the rest wait in FIFO order. Embedded mode needs no Redis, like ldirectord.
 */
export class EmbeddedQueue implements ProbeQueue {
  private readonly waiting: ProbeJob[] = [];
  private waitingHead = 0;
  private running = 0;
  private handler: (o: ProbeOutcome) => void = () => {};
  private closed = false;
  private readonly inFlight = new Set<Deadline>();
  private idle: (() => void) | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly resources: ProbeResources,
    private readonly clock: () => number = Date.now,
  ) {}

  submit(job: ProbeJob): void {
    if (this.closed) return;
    if (this.running < this.concurrency) this.start(job);
    else this.waiting.push(job);
  }

  onOutcome(handler: (o: ProbeOutcome) => void): void {
    this.handler = handler;
  }

  pending(): number {
    return this.running + this.waiting.length - this.waitingHead;
  }

  private start(job: ProbeJob): void {
    this.running++;
    const startedAt = this.clock();
    const deadline = new Deadline();
    this.inFlight.add(deadline);
    void runProbe(job, this.resources, deadline).then((result) => {
      this.running--;
      this.inFlight.delete(deadline);
      try {
        if (!this.closed) this.handler({ job, result, startedAt, finishedAt: this.clock() });
      } finally {
        // A throwing handler must not stop the queue: the next jobs still start.
        this.next();
      }
    });
  }

  private next(): void {
    while (this.running < this.concurrency && this.waitingHead < this.waiting.length) {
      const job = this.waiting[this.waitingHead++]!;
      // Compact now and then instead of shift() on every job, which is O(n).
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting.splice(0, this.waitingHead);
        this.waitingHead = 0;
      }
      this.start(job);
    }
    if (this.running === 0 && this.idle) this.idle();
  }

  /** Aborts probes in flight (they resolve at once) and drops what waits. */
  async close(): Promise<void> {
    this.waiting.length = 0;
    this.waitingHead = 0;
    this.closed = true;
    for (const deadline of this.inFlight) deadline.abort(new Error('rsguard is stopping'));
    if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }
}
