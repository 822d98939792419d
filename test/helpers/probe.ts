import { probeFor } from '../../src/probes/registry.js';
import { createPinger, type Pinger } from '../../src/probes/icmp-pinger.js';
import type { ProbeResult, ProbeTarget } from '../../src/probes/types.js';
import { Deadline } from '../../src/lib/deadline.js';
import { probeContext } from '../../src/scheduler/run-probe.js';

/** Runs a probe the way the worker does: spec through its schema (defaults applied), one deadline. */
export async function probe(kind: string, target: ProbeTarget, spec: Record<string, unknown>, timeoutMs = 1000, pinger?: Pinger): Promise<ProbeResult> {
  const p = probeFor(kind);
  if (!p) throw new Error(`no probe ${kind}`);
  const parsed = p.spec.parse(spec) as never;
  const deadline = new Deadline();
  const timer = setTimeout(() => deadline.abort(new Error('probe deadline')), timeoutMs);
  try {
    return await p.run(target, parsed, probeContext(deadline, timeoutMs, performance.now(), { pinger: pinger ?? lazyPinger() }));
  } finally {
    clearTimeout(timer);
  }
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
