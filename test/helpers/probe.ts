import { probeFor } from '../../src/probes/registry.js';
import { createPinger, type Pinger } from '../../src/probes/icmp-pinger.js';
import type { ProbeResult, ProbeTarget } from '../../src/probes/types.js';
import { runProbe } from '../../src/scheduler/run-probe.js';
import type { ProbeJob } from '../../src/scheduler/job.js';

/** A job as the scheduler makes one: the spec through its schema, defaults applied. */
export function probeJob(kind: string, target: ProbeTarget, spec: Record<string, unknown> = {}, timeoutMs = 1000): ProbeJob {
  const p = probeFor(kind);
  if (!p) throw new Error(`no probe ${kind}`);
  const parsed = p.spec.parse(spec) as Record<string, unknown>;
  return { id: `test-${kind}-0`, checkId: `test-${kind}`, kind, target, spec: parsed, timeoutMs, dueAt: Date.now() };
}

/** Runs a probe the way the worker does: its job, then runProbe with its deadline. */
export async function probe(kind: string, target: ProbeTarget, spec: Record<string, unknown>, timeoutMs = 1000, pinger?: Pinger): Promise<ProbeResult> {
  return runProbe(probeJob(kind, target, spec, timeoutMs), { pinger: pinger ?? lazyPinger() });
}

let shared: Pinger | undefined;
function lazyPinger(): Pinger {
  shared ??= createPinger();
  return shared;
}

export function closeSharedPinger(): void {
  shared?.close();
  shared = undefined;
}
