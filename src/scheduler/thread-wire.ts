import type { ProbeResult, ProbeTarget } from '../probes/types.js';

/**
 * The messages between rsguard's main thread and its probe threads
 * (thread-queue.ts, probe-thread.ts). Every message is cloned across, so a
 * round carries as little as it can: a check's kind, target, spec and
 * timeout go to a thread once (`def`), and each job after that is its number,
 * the check's id and its due time. Jobs and outcomes go in one message per
 * loop turn, not one each: at 10,000 checks a second one message per job
 * costs more than the probe it carries.
 */

/** What a thread keeps of a check, sent with its first job and again when the check changes. */
export interface CheckWire {
  kind: string;
  target: ProbeTarget;
  spec: Record<string, unknown>;
  timeoutMs: number;
}

/** One job: `seq` is the main thread's number for it (its answer carries it back); `def` only when the thread lacks the check's. */
export interface JobWire {
  seq: number;
  checkId: string;
  dueAt: number;
  def?: CheckWire;
}

export type ToThread =
  | { type: 'jobs'; jobs: JobWire[] }
  /** The checks changed (a reload): forget every check's def, and the files probes read once. */
  | { type: 'reset' }
  /** SIGHUP without a change of checks: the files probes read once are read again. */
  | { type: 'reread' }
  /** Abort what runs, answer nothing more, say `closed`. */
  | { type: 'close' };

/** One answer: the job's `seq`, when the probe started and ended (epoch ms, the thread's clock), its result. */
export type OutcomeWire = [seq: number, startedAt: number, finishedAt: number, result: ProbeResult];

export type FromThread = { type: 'outcomes'; outcomes: OutcomeWire[] } | { type: 'closed' };

/**
 * Collects items and hands them over as one array once the current task of
 * the event loop is done (a microtask): every job a scheduler tick submits
 * goes in one message, and a thread's outcomes of one loop turn in one.
 */
export class Batcher<T> {
  private items: T[] = [];
  private queued = false;

  constructor(private readonly send: (items: T[]) => void) {}

  add(item: T): void {
    this.items.push(item);
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => this.flush());
  }

  flush(): void {
    this.queued = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.send(items);
  }

  /** Drops what was not sent yet and returns it. */
  drain(): T[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}
