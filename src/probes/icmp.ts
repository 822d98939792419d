import { z } from 'zod';
import { defineProbe } from './kind.js';
import { checkError, classifyError, fail, failure, pass } from './outcome.js';
import { PingPermissionError } from './icmp-pinger.js';

export const icmpSpec = z
  .object({
    /** Echo requests per probe; the probe passes if any is answered (ldirectord `checkcount`). */
    count: z.number().int().min(1).max(10).default(1),
  })
  .strict();

export const icmpProbe = defineProbe({
  kind: 'icmp',
  spec: icmpSpec,
  portless: true,
  mainThread: true,
  run: async (target, spec, { signal, resources, deadlineAt }) => {
    const startedAt = performance.now();
    if (!resources?.pinger) return checkError(startedAt, 'exception', 'no icmp pinger wired in');
    for (let attempt = 1; attempt <= spec.count; attempt++) {
      const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, Math.ceil((deadlineAt - performance.now()) / (spec.count - attempt + 1))))]);
      try {
        const rtt = await resources.pinger.ping(target.host, attemptSignal);
        return pass(startedAt, `echo reply in ${rtt.toFixed(3)} ms`);
      } catch (err) {
        if (err instanceof PingPermissionError) return checkError(startedAt, 'permission', err.message);
        if (signal.aborted) return fail(startedAt, 'timeout', 'no echo reply');
        if (attempt === spec.count) {
          if (attemptSignal.aborted) return fail(startedAt, 'timeout', 'no echo reply');
          return failure(startedAt, classifyError(err, signal));
        }
      }
    }
    return fail(startedAt, 'timeout', 'no echo reply');
  },
});
