import type { CheckDef } from '../model/model.js';
import { jobId, type ProbeOutcome, type ProbeQueue } from './job.js';
import { MinHeap } from './min-heap.js';
import { realTimers, type Timers } from '../lib/timers.js';

interface Entry {
  readonly id: string;
  check: CheckDef;
  dueAt: number;
  inFlight: boolean;
}

export type { Timers };

/**
 * Jobs one timer tick submits at most; the rest, already due, go in the next
 * tick a loop turn later (their due times, and so their grid, unchanged).
 * A reload adding 19,000 checks, or the catch-up after a stall, found
 * thousands due at one tick, and starting that many probes (a socket each)
 * held the loop 90 ms; 200 is about 10 ms of it.
 */
export const MAX_PER_TICK = 200;

export interface SchedulerDeps {
  queue: ProbeQueue;
  clock: () => number;
  /** Injected so tests can drive time; real timers by default. */
  timers?: Timers;
  /** Applies an outcome and returns how long until that check runs again. */
  handleOutcome: (outcome: ProbeOutcome) => number;
  /** Told when handleOutcome throws: a bug in rsguard, not news about the server. */
  onError?: (err: Error, checkId: string) => void;
}

/**
 * Knows when each check is due and queues a probe job then; it never runs
 * probes itself. Identical checks have one id (see config), so each runs once
 * per round whatever the number of virtual services that use it. Cadence is
 * kept against due times, not completion times, so intervals do not drift.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  /**
   * Entries by due time. An entry has at most one item here (pushed when it is
   * added or its outcome is in, popped when it runs); a removed entry's item
   * is skipped because the map no longer holds that entry.
   */
  private readonly heap = new MinHeap<Entry>();
  private timer: unknown;
  private armedFor = Infinity;
  private running = false;

  private readonly timers: Timers;

  constructor(private readonly deps: SchedulerDeps) {
    this.timers = deps.timers ?? realTimers;
    deps.queue.onOutcome((outcome) => this.onOutcome(outcome));
  }

  /** Adds new checks (spread over min(interval, spreadMs)), drops removed ones, keeps the due time of the rest. */
  setChecks(checks: ReadonlyMap<string, CheckDef>, spreadMs: number): void {
    const now = this.deps.clock();
    for (const id of this.entries.keys()) if (!checks.has(id)) this.entries.delete(id);
    for (const [id, check] of checks) {
      const existing = this.entries.get(id);
      if (existing) {
        existing.check = check;
        continue;
      }
      const entry: Entry = { id, check, dueAt: now + spreadOffset(id, Math.min(check.timing.intervalMs, spreadMs)), inFlight: false };
      this.entries.set(id, entry);
      this.push(entry);
    }
    this.deps.queue.expectChecks?.(this.entries.size);
    if (this.running) this.arm();
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  size(): number {
    return this.entries.size;
  }

  private push(entry: Entry): void {
    this.heap.push(entry.dueAt, entry);
    if (this.running && entry.dueAt < this.armedFor) this.arm();
  }

  private arm(): void {
    if (!this.running) return;
    const next = this.heap.peekKey();
    if (next === undefined) return;
    if (this.timer !== undefined && next >= this.armedFor) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = this.timers.setTimeout(() => this.tick(), Math.max(0, next - this.deps.clock()));
  }

  private tick(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.deps.clock();
    for (let sent = 0; ; ) {
      const key = this.heap.peekKey();
      if (key === undefined || key > now) break;
      if (sent === MAX_PER_TICK) {
        // Still due: the timer fires at once, after the loop has turned (probe results, other timers).
        this.armedFor = key;
        this.timer = this.timers.setTimeout(() => this.tick(), 0);
        return;
      }
      const entry = this.heap.pop()!;
      if (this.entries.get(entry.id) !== entry || entry.inFlight) continue;
      sent++;
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

  private onOutcome(outcome: ProbeOutcome): void {
    const entry = this.entries.get(outcome.job.checkId);
    // A stale or lost job says nothing about the server: keep its state (fail static) and try again next round.
    const delay = outcome.stale ? (entry?.check.timing.intervalMs ?? 0) : this.applied(outcome, entry);
    if (!entry || !entry.inFlight) return;
    entry.inFlight = false;
    entry.dueAt = nextDue(outcome.job.dueAt, delay, this.deps.clock());
    this.push(entry);
  }

  /**
   * A fault while applying an outcome (the state, the metrics, the history)
   * is rsguard's own: it must neither end the process (a throw here would
   * reject the queue's promise) nor leave the check in flight for ever. The
   * check keeps its state, as for a lost job, and runs again next interval;
   * with no new results it turns stale, which health reports.
   */
  private applied(outcome: ProbeOutcome, entry: Entry | undefined): number {
    const fallback = entry?.check.timing.intervalMs ?? 0;
    try {
      const delay = this.deps.handleOutcome(outcome);
      // No delay (a check the state no longer knows, between a reload's steps) would run it again at once, every turn.
      return Number.isFinite(delay) && delay > 0 ? delay : fallback;
    } catch (err) {
      try {
        this.deps.onError?.(err instanceof Error ? err : new Error(String(err)), outcome.job.checkId);
      } catch {
        // A failing reporter must not undo the rescheduling either.
      }
      return fallback;
    }
  }
}

/**
 * The next due time on the check's own grid (dueAt + k·delay), the first one
 * not in the past. After a stall (the daemon paused, a VM freeze, a blocked
 * loop, a hung Redis) every overdue check has just run in one catch-up round;
 * "now" for all of them would keep them in phase for the life of the process
 * (and send them as one job in distributed mode). The grid keeps the spread
 * the start gave them, and catches up within one interval.
 */
export function nextDue(dueAt: number, delay: number, now: number): number {
  const next = dueAt + delay;
  if (next >= now) return next;
  if (delay <= 0) return now;
  return dueAt + delay * Math.ceil((now - dueAt) / delay);
}

/** Deterministic offset in [0, window) from the check id, so restarts spread the same way. */
export function spreadOffset(id: string, windowMs: number): number {
  if (windowMs <= 0) return 0;
  return Math.floor((Number.parseInt(id.slice(0, 8), 16) / 0x1_0000_0000) * windowMs);
}
