import { probeFor } from '../../src/probes/registry.js';
import { createPinger } from '../../src/probes/icmp-pinger.js';
/** Runs a probe the way the worker does: spec through its schema (defaults applied), one deadline. */
export async function probe(kind, target, spec, timeoutMs = 1000, pinger) {
    const p = probeFor(kind);
    if (!p)
        throw new Error(`no probe ${kind}`);
    const parsed = p.spec.parse(spec);
    const started = performance.now();
    return p.run(target, parsed, { signal: AbortSignal.timeout(timeoutMs), timeoutMs, deadlineAt: started + timeoutMs, resources: { pinger: pinger ?? lazyPinger() } });
}
let shared;
function lazyPinger() {
    shared ??= createPinger();
    return shared;
}
export function closeSharedPinger() {
    shared?.close();
    shared = undefined;
}
//# sourceMappingURL=probe.js.map