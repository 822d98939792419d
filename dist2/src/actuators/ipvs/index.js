import { z } from 'zod';
import { duration } from '../../lib/duration.js';
import { defineBalancer } from '../balancer-kind.js';
import { fileOwnership } from '../ownership.js';
import { execRunner } from './command-runner.js';
import { IpvsActuator } from './ipvs-actuator.js';
export const ipvsBalancer = defineBalancer({
    kind: 'ipvs',
    schema: z.object({
        ipvsadm: z.string().min(1).default('ipvsadm'),
        /** Remove the virtual services rsguard created when it stops (ldirectord cleanstop); services it found are never removed. */
        cleanStop: z.boolean().default(true),
        /** Where rsguard records which virtual services it created, so cleanStop removes only those. */
        stateFile: z.string().startsWith('/', 'must be an absolute path').default('/var/lib/rsguard/ipvs-owned.json'),
        /** Re-read the table and repair it this often, even with no state change. */
        reconcileInterval: duration.default(10_000),
        timeout: duration.default(5000),
    }),
    build: (b) => ({ kind: 'ipvs', ipvsadm: b.ipvsadm, cleanStop: b.cleanStop, stateFile: b.stateFile, reconcileIntervalMs: b.reconcileInterval, timeoutMs: b.timeout }),
    create: (def) => new IpvsActuator(execRunner(def.ipvsadm, def.timeoutMs), { cleanStop: def.cleanStop, ownership: fileOwnership(def.stateFile) }),
});
//# sourceMappingURL=index.js.map