import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { probeFor } from '../probes/registry.js';
import type { ProbeResources } from '../probes/types.js';
import { EmbeddedQueue } from './embedded-queue.js';
import type { ProbeJob, ProbeOutcome, ProbeQueue } from './job.js';
import { Batcher, OUTCOME_STRIDE, resultAt, type CheckWire, type FromThread, type ToThread } from './thread-wire.js';

/**
 * `auto` adds a probe thread when the main thread's event loop was busier
 * than this over a window: a thread costs CPU per check (every job and
 * outcome crosses between threads) and memory (a V8 heap of its own), worth
 * paying only when one loop can no longer carry the checks.
 */
export const AUTO_BUSY = 0.8;
export const AUTO_WINDOW_MS = 10_000;
/** `auto` never runs more probe threads than this. */
export const AUTO_MAX_THREADS = 4;
/** A thread that died is started again at most this often; meanwhile its checks run on the main thread. */
const RESPAWN_AFTER_MS = 1000;
/** How long close() waits for a thread to end its probes before it is terminated. */
const CLOSE_WAIT_MS = 2000;

export interface ThreadQueueOptions {
  /** Probe threads: a number, or `auto` (ThreadQueue.addsThread). 0 runs every probe on the main thread. */
  threads: number | 'auto';
  /** Probes in flight at most: over the probe threads (an equal share each), and apart from them on the main thread's own pool. */
  concurrency: number;
  /** For the kinds that stay on the main thread (the ICMP socket). */
  resources: ProbeResources;
  clock?: () => number;
  /**
   * Each thread's young generation, in MB (V8 makes its semi-spaces a third of it). A probe's objects live for
   * the probe, milliseconds, so a scavenge finds few alive whatever the size: a small one saves RSS for nothing.
   */
  youngGenerationMb?: number;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

interface Thread {
  index: number;
  worker: Worker | undefined;
  /** The def of each check this thread has; a job's target and spec objects are compared with it by identity. */
  known: Map<string, CheckWire>;
  out: Batcher;
  /** Jobs sent and not yet answered, by seq. */
  inFlight: Map<number, ProbeJob>;
  diedAt: number;
  closed?: () => void;
}

/**
 * Probe jobs spread over worker threads: the main thread keeps the schedule,
 * the state and everything that reads them, and the probes' socket work,
 * parsing and timers (most of a check's CPU) run beside it. With one event
 * loop for all of it, 10,000 HTTP checks a second hold the loop 80-93 % busy
 * on a 2-core box (issue 24). On that box one probe thread did not do better
 * (docs/benchmarks.md, "Probe threads"): it is for directors with cores to
 * spare, and off unless set.
 *
 * Kinds that need a process-wide resource (ProbeKind.mainThread: the one raw
 * ICMP socket) run on the main thread's own pool. A thread that dies is rsguard's
 * fault, not the servers': its unanswered jobs come back stale (no state
 * moves, the checks run again next interval), its checks run on the main
 * thread until it is started again.
 */
export class ThreadQueue implements ProbeQueue {
  private readonly local: EmbeddedQueue;
  private readonly threadList: Thread[] = [];
  private handler: (o: ProbeOutcome) => void = () => {};
  private seq = 0;
  private closing = false;
  private watch: NodeJS.Timeout | undefined;
  private readonly clock: () => number;

  constructor(private readonly o: ThreadQueueOptions) {
    this.clock = o.clock ?? Date.now;
    this.local = new EmbeddedQueue(o.concurrency, o.resources, this.clock);
    this.local.onOutcome((outcome) => this.handler(outcome));
    if (typeof o.threads === 'number') this.grow(o.threads);
    else this.watchLoop();
  }

  /** `auto`: one more thread when the main loop was busier than AUTO_BUSY, while threads are fewer than the CPUs beyond the first (and AUTO_MAX_THREADS). */
  static addsThread(busy: number, threads: number, cpus: number): boolean {
    return busy > AUTO_BUSY && threads < Math.min(cpus - 1, AUTO_MAX_THREADS);
  }

  private watchLoop(): void {
    let last = performance.eventLoopUtilization();
    this.watch = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      if (ThreadQueue.addsThread(busy, this.threadList.length, availableParallelism())) this.grow(this.threadList.length + 1, `the main thread was ${Math.round(busy * 100)} % busy over ${AUTO_WINDOW_MS / 1000} s`);
    }, AUTO_WINDOW_MS);
    this.watch.unref();
  }

  /** Threads running now (rsguard_probe_threads): one that died and is not started again yet does not count. */
  threads(): number {
    return this.threadList.filter((t) => t.worker).length;
  }

  onOutcome(handler: (o: ProbeOutcome) => void): void {
    this.handler = handler;
  }

  pending(): number {
    let n = this.local.pending();
    for (const t of this.threadList) n += t.inFlight.size;
    return n;
  }

  /** A reload's new checks: threads forget the defs they have (a check's def may have changed under the same id). */
  expectChecks(): void {
    for (const t of this.threadList) {
      t.out.flush();
      t.known.clear();
      t.worker?.postMessage({ type: 'reset' } satisfies ToThread);
    }
  }

  /** SIGHUP: the files probes read once (CA bundles) are read again, in every thread. */
  reread(): void {
    for (const t of this.threadList) t.worker?.postMessage({ type: 'reread' } satisfies ToThread);
  }

  submit(job: ProbeJob): void {
    if (this.closing) return;
    const t = this.threadFor(job);
    if (!t) return this.local.submit(job);
    const seq = ++this.seq;
    t.inFlight.set(seq, job);
    const k = t.known.get(job.checkId);
    const same = k !== undefined && k.target === job.target && k.spec === job.spec && k.timeoutMs === job.timeoutMs && k.kind === job.kind;
    let def: CheckWire | undefined;
    if (!same) t.known.set(job.checkId, (def = { kind: job.kind, target: job.target, spec: job.spec, timeoutMs: job.timeoutMs }));
    t.out.open().push(seq, job.checkId, job.dueAt, def);
  }

  private threadFor(job: ProbeJob): Thread | undefined {
    if (this.threadList.length === 0 || probeFor(job.kind)?.mainThread) return undefined;
    const t = this.threadList[hashOf(job.checkId) % this.threadList.length]!;
    if (t.worker) return t;
    if (this.clock() - t.diedAt < RESPAWN_AFTER_MS) return undefined;
    this.start(t);
    return t.worker ? t : undefined;
  }

  private grow(n: number, why = 'global.probeThreads'): void {
    if (n > this.threadList.length) this.o.log.info({ threads: n, was: this.threadList.length, why }, 'probe threads started');
    while (this.threadList.length < n) {
      const t: Thread = { index: this.threadList.length, worker: undefined, known: new Map(), inFlight: new Map(), diedAt: 0, out: new Batcher((jobs) => t.worker?.postMessage({ type: 'jobs', jobs } satisfies ToThread)) };
      this.threadList.push(t);
      this.start(t);
    }
  }

  private start(t: Thread): void {
    const share = Math.max(1, Math.ceil(this.o.concurrency / Math.max(1, this.threadList.length)));
    let worker: Worker;
    try {
      worker = new Worker(new URL('./probe-thread.js', import.meta.url), {
        workerData: { concurrency: share },
        resourceLimits: { maxYoungGenerationSizeMb: this.o.youngGenerationMb ?? 8 },
      });
    } catch (err) {
      t.diedAt = this.clock();
      this.o.log.error({ thread: t.index, err: (err as Error).message }, 'probe thread not started: its checks run on the main thread');
      return;
    }
    t.worker = worker;
    t.known.clear();
    worker.on('message', (m: FromThread) => (m.type === 'outcomes' ? this.answered(t, m.outcomes) : t.closed?.()));
    worker.on('error', (err) => this.o.log.error({ thread: t.index, err: err.message, stack: err.stack }, 'probe thread failed: its unanswered checks keep their state and run again'));
    worker.once('exit', (code) => this.died(t, worker, code));
  }

  private answered(t: Thread, outcomes: unknown[]): void {
    for (let i = 0; i < outcomes.length; i += OUTCOME_STRIDE) {
      const seq = outcomes[i] as number;
      const job = t.inFlight.get(seq);
      if (!job) continue;
      t.inFlight.delete(seq);
      if (!this.closing) this.handler({ job, result: resultAt(outcomes, i), startedAt: outcomes[i + 1] as number, finishedAt: outcomes[i + 2] as number });
    }
  }

  /** A thread ended: its jobs in flight (sent or not) come back stale, so the scheduler runs them again and no state moves. */
  private died(t: Thread, worker: Worker, code: number): void {
    if (t.worker !== worker) return;
    t.worker = undefined;
    t.diedAt = this.clock();
    t.out.drain();
    const lost = [...t.inFlight.values()];
    t.inFlight.clear();
    t.closed?.();
    if (this.closing) return;
    this.o.log.error({ thread: t.index, code, lost: lost.length }, 'probe thread exited: its checks run on the main thread until it is started again');
    const now = this.clock();
    for (const job of lost) this.handler({ job, result: { ok: false, durationMs: 0, detail: 'probe thread exited', reason: 'error', error: 'exception' }, startedAt: now, finishedAt: now, stale: true });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watch);
    await Promise.all([this.local.close(), ...this.threadList.map((t) => this.closeThread(t))]);
  }

  private async closeThread(t: Thread): Promise<void> {
    const worker = t.worker;
    if (!worker) return;
    t.out.drain();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_WAIT_MS);
      t.closed = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.postMessage({ type: 'close' } satisfies ToThread);
    });
    await worker.terminate();
  }
}

/** FNV-1a of the check id: a check goes to the same thread every round, which keeps its def there. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
