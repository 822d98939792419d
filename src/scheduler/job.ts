import type { ProbeResult, ProbeTarget } from '../probes/types.js';

/**
 * The job/result contract between the scheduler and whoever runs probes: the
 * in-process pool now, BullMQ workers in distributed mode. Plain JSON only.
 */
export interface ProbeJob {
  /** `${checkId}-${dueAt}`: one job per check per round, so a queue can dedupe by id (BullMQ ids may not contain ":"). */
  id: string;
  checkId: string;
  kind: string;
  target: ProbeTarget;
  spec: Record<string, unknown>;
  timeoutMs: number;
  /** Epoch ms when the check was due. */
  dueAt: number;
}

export interface ProbeOutcome {
  job: ProbeJob;
  result: ProbeResult;
  /** Epoch ms when a worker started the probe; startedAt − dueAt is the schedule lag. */
  startedAt: number;
  finishedAt: number;
  /** No probe ran (the job waited past its useful life, or was lost): reschedule, change no state. */
  stale?: boolean;
}

export interface ProbeQueue {
  submit(job: ProbeJob): void;
  /** One handler; outcomes for one check arrive in the order its jobs ran. */
  onOutcome(handler: (outcome: ProbeOutcome) => void): void;
  /** Jobs submitted and not yet answered. */
  pending(): number;
  /**
   * How many checks the scheduler has: a queue that groups probes into jobs
   * bounds each job's share by it. Called at start and after each reload (a
   * queue that keeps checks' defs forgets them then: they may have changed).
   */
  expectChecks?(checks: number): void;
  /** Probe threads running beside the main thread, for a queue that has them. */
  threads?(): number;
  /** SIGHUP: the files probes read once are read again (each probe thread has its own). */
  reread?(): void;
  close(): Promise<void>;
}

export function jobId(checkId: string, dueAt: number): string {
  return `${checkId}-${dueAt}`;
}
