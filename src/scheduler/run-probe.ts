import { probeFor } from '../probes/registry.js';
import type { ProbeResources, ProbeResult } from '../probes/types.js';
import type { ProbeJob } from './job.js';

/**
 * Runs one job with one deadline that covers the whole probe. A probe that
 * throws is a bug in rsguard, not a down server, but it still yields a failed
 * result so the state machine never stalls.
 */
export async function runProbe(job: ProbeJob, resources: ProbeResources, shutdown?: AbortSignal): Promise<ProbeResult> {
  const probe = probeFor(job.kind);
  if (!probe) return { ok: false, durationMs: 0, detail: `unknown probe kind ${job.kind}`, reason: 'error' };
  const deadline = AbortSignal.timeout(job.timeoutMs);
  const signal = shutdown ? AbortSignal.any([deadline, shutdown]) : deadline;
  const startedAt = performance.now();
  try {
    return await probe.run(job.target, job.spec as never, { signal, timeoutMs: job.timeoutMs, deadlineAt: startedAt + job.timeoutMs, resources });
  } catch (err) {
    return { ok: false, durationMs: performance.now() - startedAt, detail: `probe error: ${(err as Error).message}`, reason: 'error' };
  }
}
