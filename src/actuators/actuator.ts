import type { BalancerDef, Forwarding, VirtualServiceDef } from '../model/model.js';
import type { MemberPlan, PoolPlan } from '../planner/pool-plan.js';

/** What the balancer should hold for one virtual service. */
export interface DesiredService {
  vs: VirtualServiceDef;
  plan: PoolPlan;
}

/** One change for the balancer: the exact argv or runtime API command, for logs; actuators may carry more. */
export interface BalancerCommand {
  vs: string;
  command: string;
}

/** A planned change and whether it reached the balancer (false in dry run, or when the balancer refused it). */
export interface AppliedChange extends BalancerCommand {
  applied: boolean;
}

/** A problem with one virtual service or member that retrying will not fix (a wrong backend name, say). */
export interface ConfigProblem {
  vs: string;
  member?: string;
  message: string;
}

/** Something the balancer holds that rsguard leaves alone on purpose, or removed because the config asked it to: logged, not an error. */
export type BalancerNote = ConfigProblem;

/** What the balancer holds for one virtual service that rsguard did not put there and leaves as it found it. */
export interface LeftAlone {
  /** The service was there before rsguard: adopted for its members, never deleted by rsguard. */
  adopted: boolean;
  /** Members the config does not name and rsguard did not add (an operator's, say). */
  foreign: Array<{ server: string; forwarding: Forwarding; weight: number }>;
  /** Settings of an adopted service that differ from the config, in words (`scheduler rr (config: wlc)`). */
  settings: string[];
}

export interface ReconcileReport {
  changes: AppliedChange[];
  problems: ConfigProblem[];
  notes?: BalancerNote[];
}

/** What a plan covers. */
export interface PlanScope {
  /** The desired list is every virtual service of the config: what rsguard created beyond it is deleted (a reload dropped it). */
  complete?: boolean;
}

/** The balancer could not be read or written at all: keep the desired pool and retry later. */
export class BalancerUnavailable extends Error {
  override name = 'BalancerUnavailable';
}

/**
 * Drives one kind of balancer. Reconciling is two steps so that a dry run is
 * one decorator (dry-run.ts) instead of a branch in every actuator: `plan`
 * reads the balancer's real table and diffs it against the desired pools
 * (never writes); `apply` writes planned commands and reports each one.
 * Fail static: when the table cannot be read, `plan` throws
 * BalancerUnavailable and nothing changes.
 */
export interface Actuator {
  readonly kind: string;
  plan(desired: DesiredService[], scope?: PlanScope): Promise<{ commands: BalancerCommand[]; problems: ConfigProblem[]; notes?: BalancerNote[] }>;
  apply(commands: BalancerCommand[], desired: DesiredService[]): Promise<ReconcileReport>;
  /** On daemon stop: the commands that remove what it owns, if configured to (ldirectord cleanstop). */
  planStop(desired: DesiredService[]): Promise<BalancerCommand[]>;
  /** Active connections to one member (IPVS ActiveConn, HAProxy scur), for drains. */
  activeConnections(vs: VirtualServiceDef, member: Pick<MemberPlan, 'host' | 'port'>): Promise<number>;
  /**
   * After every reconcile (the balancer as rsguard left it): persist what the
   * balancer must start with next time (HAProxy's server-state file), so a
   * reload or restart of the balancer does not bring held-out servers back.
   * `changed`: this reconcile wrote to the balancer (a repair that found
   * nothing to do need not read it all back). Returns what could not be
   * done, as problems.
   */
  settled?(changed: boolean): Promise<ConfigProblem[]>;
  /**
   * Watches for a new balancer process (HAProxy reloaded or restarted: every
   * server back as its config says) and calls `restarted` at once, so the
   * pools are reapplied before the periodic repair would. Returns a stop function.
   */
  watch?(restarted: (detail: Record<string, unknown>) => void): () => void;
  /** What the last plan found in the balancer for a virtual service and left as it was (undefined: nothing known). */
  leftAlone?(vsKey: string): LeftAlone | undefined;
  /** A reload changed the balancer's settings: takes those it can live and returns their names (the others need a restart). */
  reconfigure?(def: BalancerDef): string[];
}

/** Plans and applies in one go: what the reconciler does each time. */
export async function reconcile(actuator: Actuator, desired: DesiredService[], scope: PlanScope = {}): Promise<ReconcileReport> {
  const { commands, problems, notes = [] } = await actuator.plan(desired, scope);
  if (commands.length === 0) return { changes: [], problems: [...problems, ...((await actuator.settled?.(false)) ?? [])], notes };
  const report = await actuator.apply(commands, desired);
  const after = (await actuator.settled?.(true)) ?? [];
  return { changes: report.changes, problems: [...problems, ...report.problems, ...after], notes };
}
