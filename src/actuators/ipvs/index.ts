import { z } from 'zod';
import type { BalancerDef } from '../../config/model.js';
import { duration } from '../../lib/duration.js';
import { defineBalancer } from '../balancer-kind.js';
import { fileOwnership } from '../ownership.js';
import { execRunner } from './command-runner.js';
import { IpvsActuator } from './ipvs-actuator.js';
import type { ForeignServers } from './ipvs-diff.js';

export interface IpvsDef extends BalancerDef {
  kind: 'ipvs';
  ipvsadm: string;
  cleanStop: boolean;
  foreignServers: ForeignServers;
  stateFile: string;
  timeoutMs: number;
}

export const ipvsBalancer = defineBalancer({
  kind: 'ipvs',
  schema: z.object({
    ipvsadm: z.string().min(1).default('ipvsadm'),
    /** Remove the virtual services rsguard created when it stops (ldirectord cleanstop); services it found are never removed. */
    cleanStop: z.boolean().default(true),
    /**
     * Real servers of a configured service that the config does not name and rsguard did not add (an operator's),
     * and the scheduler and persistence of a service that was there before rsguard: keep leaves them (logged, shown
     * as `foreign` in status); remove makes the config the whole truth (ldirectord's behaviour; imported ldirectord.cf files get it).
     */
    foreignServers: z.enum(['keep', 'remove']).default('keep'),
    /** Where rsguard records the virtual services it created and the real servers it manages, so cleanStop and reloads remove only those. */
    stateFile: z.string().startsWith('/', 'must be an absolute path').default('/var/lib/rsguard/ipvs-owned.json'),
    /** Re-read the table and repair it this often, even with no state change. */
    reconcileInterval: duration.default(10_000),
    timeout: duration.default(5000),
  }),
  build: (b): IpvsDef => ({
    kind: 'ipvs',
    ipvsadm: b.ipvsadm,
    cleanStop: b.cleanStop,
    foreignServers: b.foreignServers,
    stateFile: b.stateFile,
    reconcileIntervalMs: b.reconcileInterval,
    timeoutMs: b.timeout,
  }),
  create: (def) => new IpvsActuator(execRunner(def.ipvsadm, def.timeoutMs), { cleanStop: def.cleanStop, foreignServers: def.foreignServers, ownership: fileOwnership(def.stateFile) }),
});
