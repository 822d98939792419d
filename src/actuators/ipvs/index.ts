import { z } from 'zod';
import type { BalancerDef, VrrpInstanceDef } from '../../model/model.js';
import { duration, parseDuration } from '../../lib/duration.js';
import { defineBalancer } from '../balancer-kind.js';
import { fileOwnership } from '../ownership.js';
import { execRunner } from './command-runner.js';
import { IpvsActuator } from './ipvs-actuator.js';
import type { ForeignServers } from './ipvs-diff.js';
import { ipvsServerFields, ipvsServiceFields, optionProblems } from './ipvs-options.js';
import type { IpvsTimeouts } from './ipvs-table.js';
import type { SyncDaemonDef } from './sync-daemon.js';
import { IFNAME_MAX, isMulticast, LVS_MAX_TIMEOUT_SEC, SYNC_DAEMON_RANGES } from './ipvs-limits.js';

const range = ([min, max]: readonly [number, number]) => z.number().int().min(min).max(max);

const timeoutSec = z
  .number()
  .int()
  .min(1)
  .max(LVS_MAX_TIMEOUT_SEC)
  .or(z.string())
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined || ms % 1000 !== 0 || ms < 1000 || ms > LVS_MAX_TIMEOUT_SEC * 1000) {
      ctx.addIssue({ code: 'custom', message: `expected whole seconds from 1s to ${LVS_MAX_TIMEOUT_SEC}s (ipvsadm --set counts seconds), got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms / 1000;
  });

const multicast = z.string().refine(isMulticast, { message: 'must be a multicast address (224.0.0.0/4 or ff00::/8)' });

const syncDaemonSchema = z
  .object({
    /** The interface the sync messages go out of and are read on (`ipvsadm --mcast-interface`). */
    interface: z.string().min(1).max(IFNAME_MAX, `an interface name has at most ${IFNAME_MAX} characters`),
    /** The VRRP instance whose transitions decide master or backup (keepalived reports them: rsguard notify, notify_fifo). */
    vrrpInstance: z.string().min(1),
    /** Default: the instance's virtualRouterId (keepalived's default), which the vrrp section must then give. */
    syncId: range(SYNC_DAEMON_RANGES.syncId).optional(),
    maxLen: range(SYNC_DAEMON_RANGES.maxLen).optional(),
    port: range(SYNC_DAEMON_RANGES.port).optional(),
    ttl: range(SYNC_DAEMON_RANGES.ttl).optional(),
    group: multicast.optional(),
  })
  .strict();

export interface IpvsDef extends BalancerDef {
  kind: 'ipvs';
  ipvsadm: string;
  cleanStop: boolean;
  foreignServers: ForeignServers;
  stateFile: string;
  timeoutMs: number;
  timeouts?: Partial<IpvsTimeouts>;
  /** syncId is filled in from the VRRP instance when the config leaves it out (resolve). */
  syncDaemon?: Omit<SyncDaemonDef, 'syncId'> & { syncId?: number };
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
    /** IPVS connection timeouts (`ipvsadm --set`, keepalived lvs_timeouts): kernel-wide, set at start and repaired; one left out stays as the kernel has it. */
    timeouts: z.object({ tcp: timeoutSec.optional(), tcpFin: timeoutSec.optional(), udp: timeoutSec.optional() }).strict().optional(),
    /** Run the IPVS connection sync daemon, master while vrrpInstance is MASTER and backup otherwise (keepalived lvs_sync_daemon). */
    syncDaemon: syncDaemonSchema.optional(),
  }),
  fields: { virtualService: ipvsServiceFields, realServer: ipvsServerFields },
  validate: (vss) => vss.flatMap((vs, index) => optionProblems(vs).map((message) => ({ index, message }))),
  resolve: (def: IpvsDef, vrrp) => {
    const s = def.syncDaemon;
    if (!s) return [];
    const instance: VrrpInstanceDef | undefined = vrrp.instances.find((i) => i.name === s.vrrpInstance);
    const problems: string[] = [];
    if (vrrp.instances.length && !instance) problems.push(`syncDaemon.vrrpInstance: no vrrp instance ${JSON.stringify(s.vrrpInstance)} in the vrrp section`);
    if (s.syncId === undefined) {
      if (instance?.virtualRouterId !== undefined) s.syncId = instance.virtualRouterId;
      else problems.push(`syncDaemon.syncId: give it, or the vrrp instance ${JSON.stringify(s.vrrpInstance)} with its virtualRouterId (keepalived's default)`);
    }
    return problems;
  },
  build: (b): IpvsDef => ({
    kind: 'ipvs',
    ipvsadm: b.ipvsadm,
    cleanStop: b.cleanStop,
    foreignServers: b.foreignServers,
    stateFile: b.stateFile,
    reconcileIntervalMs: b.reconcileInterval,
    timeoutMs: b.timeout,
    ...(b.timeouts ? { timeouts: b.timeouts } : {}),
    ...(b.syncDaemon ? { syncDaemon: { ...b.syncDaemon } } : {}),
  }),
  create: (def) => new IpvsActuator(execRunner(def.ipvsadm, def.timeoutMs), { cleanStop: def.cleanStop, foreignServers: def.foreignServers, ownership: fileOwnership(def.stateFile), ...(def.timeouts ? { timeouts: def.timeouts } : {}) }),
});
