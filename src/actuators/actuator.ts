import type { VirtualServiceDef } from '../config/model.js';
import type { MemberPlan, PoolPlan } from '../planner/pool-plan.js';

/** What the balancer should hold for one virtual service. */
export interface DesiredService {
  vs: VirtualServiceDef;
  plan: PoolPlan;
}

/** A change the actuator made, or would make in dry-run: the exact argv or runtime API command. */
export interface AppliedChange {
  vs: string;
  command: string;
}

/** A problem with one virtual service or member that retrying will not fix (a wrong backend name, say). */
export interface ConfigProblem {
  vs: string;
  member?: string;
  message: string;
}

export interface ReconcileReport {
  changes: AppliedChange[];
  problems: ConfigProblem[];
}

/** The balancer could not be read or written at all: keep the desired pool and retry later. */
export class BalancerUnavailable extends Error {
  override name = 'BalancerUnavailable';
}

/**
 * Reconciles desired pools against the balancer's real table: reads it,
 * diffs, applies only the difference, idempotently. Fail static: when it
 * cannot read the table it throws BalancerUnavailable and changes nothing.
 */
export interface Actuator {
  readonly kind: string;
  reconcile(desired: DesiredService[]): Promise<ReconcileReport>;
  /** Active connections to one member (IPVS ActiveConn, HAProxy scur), for drains. */
  activeConnections(vs: VirtualServiceDef, member: Pick<MemberPlan, 'host' | 'port'>): Promise<number>;
  /** On daemon stop: remove what it owns if configured to (ldirectord cleanstop). */
  stop(desired: DesiredService[]): Promise<AppliedChange[]>;
}

/** Observe only: no balancer is driven. */
export const noActuator: Actuator = {
  kind: 'none',
  reconcile: async () => ({ changes: [], problems: [] }),
  activeConnections: async () => 0,
  stop: async () => [],
};
