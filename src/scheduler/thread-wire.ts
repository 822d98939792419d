import type { ProbeResult, ProbeTarget } from '../probes/types.js';

/**
 * The messages between rsguard's main thread and its probe threads
 * (thread-queue.ts, probe-thread.ts). Every message is cloned across, so a
 * round carries as little as it can: a check's kind, target, spec and
 * timeout go to a thread once (`def`), and each job after that is its number,
 * the check's id and its due time. Jobs and outcomes share messages
 * (Batcher, below): one message per job costs more than the probe it carries.
 */

/** What a thread keeps of a check, sent with its first job and again when the check changes. */
export interface CheckWire {
  kind: string;
  target: ProbeTarget;
  spec: Record<string, unknown>;
  timeoutMs: number;
}

/**
 * Jobs as one flat array, JOB_STRIDE values a job: its `seq` (the main
 * thread's number for it, which its answer carries back), the check's id,
 * its due time, and the check's def or undefined when the thread has it.
 * Flat arrays of plain values clone at a third of the cost of an object each.
 */
export const JOB_STRIDE = 4;

export type ToThread =
  | { type: 'jobs'; jobs: unknown[] }
  /** The checks changed (a reload): forget every check's def (the reload's 'read-once files' step sends `reread`). */
  | { type: 'reset' }
  /** A reload: the files probes read once are read again. */
  | { type: 'reread' }
  /** Abort what runs, answer nothing more, say `closed`. */
  | { type: 'close' };

/**
 * Outcomes as one flat array, OUTCOME_STRIDE values each: seq, startedAt,
 * finishedAt (epoch ms, the thread's clock), then the result's common fields
 * (ok as 1 or 0, durationMs, detail, reason, error), and last the whole
 * result object when it has any other field (weights, admin, fpm pool...),
 * else undefined: a field added to ProbeResult crosses without a change here.
 */
export const OUTCOME_STRIDE = 9;

const COMMON = new Set(['ok', 'durationMs', 'detail', 'reason', 'error']);

export function pushOutcome(out: unknown[], seq: number, startedAt: number, finishedAt: number, r: ProbeResult): void {
  let whole: ProbeResult | undefined;
  for (const k in r) {
    if (!COMMON.has(k) && (r as unknown as Record<string, unknown>)[k] !== undefined) {
      whole = r;
      break;
    }
  }
  out.push(seq, startedAt, finishedAt, r.ok ? 1 : 0, r.durationMs, r.detail, r.reason, r.error, whole);
}

/** The result at `i` (the start of an outcome) of a flat outcome array. */
export function resultAt(a: unknown[], i: number): ProbeResult {
  const whole = a[i + 8] as ProbeResult | undefined;
  if (whole) return whole;
  const r: ProbeResult = { ok: a[i + 3] === 1, durationMs: a[i + 4] as number, detail: a[i + 5] as string };
  if (a[i + 6] !== undefined) r.reason = a[i + 6] as ProbeResult['reason'];
  if (a[i + 7] !== undefined) r.error = a[i + 7] as ProbeResult['error'];
  return r;
}

export type FromThread = { type: 'outcomes'; outcomes: unknown[] } | { type: 'closed' };

/**
 * How long values wait to be sent at most. Each message wakes the other
 * thread's event loop (an eventfd write, an epoll return, the port's
 * machinery: tens of microseconds), so messages must carry many checks each:
 * sent once per loop turn, a probe thread at 10,000 HTTP checks a second sent
 * thousands a second and cost a third more CPU per check than no thread. A
 * few milliseconds of delay is nothing beside a check's interval.
 */
export const BATCH_WINDOW_MS = 4;

/**
 * Collects values in one flat array and hands it over BATCH_WINDOW_MS after
 * the first: every job a scheduler tick submits goes in one message, and a
 * thread's outcomes of a few milliseconds in one. (A microtask would not do:
 * Node drains microtasks after each I/O callback, so a thread sent each
 * outcome alone.)
 */
export class Batcher {
  private items: unknown[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (items: unknown[]) => void) {}

  /** The array to push values onto; they go out within BATCH_WINDOW_MS. */
  open(): unknown[] {
    this.timer ??= setTimeout(() => this.flush(), BATCH_WINDOW_MS);
    return this.items;
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.send(items);
  }

  /** Drops what was not sent yet. */
  drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.items = [];
  }
}
