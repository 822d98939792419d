import type { Model, VirtualServiceDef } from '../model/model.js';
import type { Actuator, DesiredService, LeftAlone } from '../actuators/actuator.js';
import { Reconciler, type BalancerStatus } from '../actuators/reconciler.js';
import type { PoolPlan } from '../planner/pool-plan.js';
import { realTimers, type Timers } from '../lib/timers.js';
import { DesiredPool } from './desired-pool.js';
import type { EventSink, MonitorEvent } from './events.js';
import type { Monitor } from './monitor.js';
import type { AdminState, AgentAsk, ServerRecord } from './server-table.js';
import type { Logger } from '../lib/logger.js';

export type { BalancerStatus };

/**
 * Keeps the balancer following the hard states: the desired pool (engine:
 * what each pool should be, from the server records) wired to the
 * reconciler (beside the actuators: single flight, backoff, periodic repair,
 * status). What the reconciler got applied is written back into the records.
 */
export class PoolKeeper {
  private readonly pool: DesiredPool;
  private readonly reconciler: Reconciler;

  constructor(
    private readonly monitor: Monitor,
    private readonly actuator: Actuator,
    emit: EventSink,
    private readonly log: Logger,
    private readonly clock: () => number,
    reconcileIntervalMs: number,
    timers: Timers = realTimers,
  ) {
    this.reconciler = new Reconciler({ actuator, desired: (scope) => this.pool.desired(scope), applied: (services) => this.recordApplied(services), log, clock, timers }, reconcileIntervalMs);
    this.pool = new DesiredPool(monitor, emit, log, clock, (scope) => this.reconciler.request(scope), timers);
  }

  get errors(): number {
    return this.reconciler.errors;
  }

  private started = false;

  start(): void {
    this.started = true;
    this.pool.replan();
    this.reconciler.start();
  }

  plan(vsKey: string): PoolPlan | undefined {
    return this.monitor.table.service(vsKey)?.plan;
  }

  balancerStatus(): BalancerStatus {
    return this.reconciler.status();
  }

  /** The weight last applied to the balancer for a member, if rsguard knows it. */
  appliedWeight(vsKey: string, memberKey: string): number | undefined {
    return this.monitor.table.appliedWeight(vsKey, memberKey);
  }

  /** What the balancer holds for a virtual service that rsguard did not put there (foreign members, an adopted service's settings). */
  leftAlone(vsKey: string): LeftAlone | undefined {
    return this.actuator.leftAlone?.(vsKey);
  }

  drained(vsKey: string): ReadonlySet<string> {
    return this.pool.drained(vsKey);
  }

  /** A service's server records in `vs.realServers`' order: the table's own array while it follows that model (the reads at every request). */
  serverRecords(vs: VirtualServiceDef): ReadonlyArray<ServerRecord | undefined> {
    const records = this.monitor.table.service(vs.key)?.servers;
    if (records && records.length === vs.realServers.length && records.every((r, i) => r.rs === vs.realServers[i])) return records;
    // A model the table does not hold (between a reload of the monitor and of its readers): by key.
    return vs.realServers.map((rs) => this.monitor.table.server(vs.key, rs.key));
  }

  heldBySafetyValve(vsKey: string): ReadonlySet<string> {
    return this.pool.heldBySafetyValve(vsKey);
  }

  /** Told after every change of an operator hold (the daemon writes them to disk). */
  onAdminChange: () => void = () => {};

  /** Takes a server out of new traffic (weight 0, kept in the table), for rolling deploys. */
  setDrain(vsKey: string, rsKey: string, drained: boolean, by: string | null = null): void {
    this.setAdmin(vsKey, rsKey, 'drain', drained, by, null);
  }

  /**
   * Sets (`on`) or clears an operator hold: `drain` (weight 0, kept in the
   * table) or `maint` (out, as a down server). Clearing one mode leaves the
   * other: undrain does not end a maintenance. Returns what the server holds now.
   */
  setAdmin(vsKey: string, rsKey: string, mode: AdminState['mode'], on: boolean, by: string | null, reason: string | null, source: AdminState['source'] = 'api'): AdminState | null | undefined {
    const record = this.monitor.table.server(vsKey, rsKey);
    if (!record) {
      this.log.warn({ vs: vsKey, rs: rsKey, mode }, 'admin state of an unknown real server ignored');
      return undefined;
    }
    if (!on && record.admin?.mode !== mode) return record.admin;
    this.pool.setAdmin(vsKey, rsKey, on ? { mode, source, by, at: this.clock(), reason } : null, { source, by, reason });
    this.onAdminChange();
    return record.admin;
  }

  /**
   * What a server's agent asks (HAProxy agent-check): the server holds, with
   * source `agent`, the strongest (maint over drain) of what its agent checks
   * asked last and have not ended with `ready`. A tracking server has the
   * tracked server's agents among its checks: their drain or maint reaches
   * it, as HAProxy's inherited IDRAIN/IMAINT do, without ending its own
   * agent's. Written only on change (an agent says it at every check). An
   * operator's hold (API, maintenancedir) stands: the agent neither replaces
   * nor ends it, where HAProxy's agent would override the CLI's `set server state`.
   */
  agentAdmin(vsKey: string, rsKey: string, ask: { checkId: string; mode: AdminState['mode'] | 'ready'; check: string; detail: string }): void {
    const record = this.monitor.table.server(vsKey, rsKey);
    if (!record) return;
    // Kept in the server's record, so a server a reload removes takes its asks along and one added back starts with none.
    if (ask.mode === 'ready') record.agentAsks?.delete(ask.checkId);
    else (record.agentAsks ??= new Map()).set(ask.checkId, { mode: ask.mode, check: ask.check, detail: ask.detail });
    if (record.admin && record.admin.source !== 'agent') return;
    let want: AgentAsk | undefined;
    // In the config's order of checks: of two alike asks, the first check's names the hold.
    for (const id of record.agentAsks ? record.rs.checkIds : []) {
      const a = record.agentAsks!.get(id);
      if (a && (!want || (a.mode === 'maint' && want.mode === 'drain'))) want = a;
    }
    if (want ? record.admin?.mode === want.mode : !record.admin) return;
    this.pool.setAdmin(vsKey, rsKey, want ? { mode: want.mode, source: 'agent', by: want.check, at: this.clock(), reason: want.detail } : null, { source: 'agent', by: want?.check ?? ask.check, reason: want?.detail ?? ask.detail });
    this.onAdminChange();
  }

  /** Holds an agent set on servers that no longer have an agent check (a reload took it away): nobody would end them. */
  private dropOrphanAgentHolds(): boolean {
    const model = this.monitor.current;
    let dropped = false;
    for (const r of this.monitor.serverRecords()) {
      if (r.admin?.source !== 'agent' || r.rs.checkIds.some((id) => model.checks.get(id)?.kind === 'agent')) continue;
      this.log.info({ vs: r.vs.key, rs: r.rs.key, mode: r.admin.mode }, 'agent hold dropped: the server has no agent check any more');
      r.admin = null;
      dropped = true;
    }
    return dropped;
  }

  /**
   * Holds read back (at start; in distributed mode also from Redis on taking
   * over): set on the servers still configured, without a log line or mail
   * each; those of servers gone are counted. `replace`: the entries are every
   * hold there is (the leader's, from Redis), so one this process had and
   * they lack ends, silently too (whoever ended it was told).
   */
  restoreAdmin(entries: Iterable<{ vs: string; rs: string } & AdminState>, replace = false): { restored: number; dropped: number; cleared: number } {
    const before = replace ? [...this.monitor.serverRecords()].filter((r) => r.admin) : [];
    for (const r of before) r.admin = null;
    let restored = 0;
    let dropped = 0;
    for (const { vs, rs, ...admin } of entries) {
      const record = this.monitor.table.server(vs, rs);
      if (!record) dropped++;
      else {
        record.admin = admin;
        restored++;
      }
    }
    this.dropOrphanAgentHolds();
    // Called before start(), whose first plan takes them in, or before tookOver(), which plans anew.
    return { restored, dropped, cleared: before.filter((r) => !r.admin).length };
  }

  /** Called for every monitor event; hard transitions change the pool. */
  onEvent(e: MonitorEvent): void {
    this.pool.onEvent(e);
  }

  /** After the monitor took the new model (the records are rebuilt): every pool anew. */
  onReload(_model: Model, reconcileIntervalMs: number): void {
    this.reconciler.repairEvery(reconcileIntervalMs);
    if (this.dropOrphanAgentHolds()) this.onAdminChange();
    this.pool.replan();
  }

  /**
   * Taking over the leader lease: the check states were just read from Redis
   * without transitions, so the plans made from this standby's old view are
   * made anew before the balancer gets every pool again.
   */
  tookOver(): void {
    if (!this.started) return;
    this.pool.replan();
    this.reconciler.balancerRestarted({ why: 'took over the leader lease' });
  }

  balancerRestarted(detail: Record<string, unknown>): void {
    // Before the first plan a reapply would be a complete reconcile of no pool: every service rsguard made, deleted.
    if (!this.started) return;
    this.reconciler.balancerRestarted(detail);
  }

  /** Each service the balancer now holds as planned: its members' weights go into the records. */
  private recordApplied(services: DesiredService[]): void {
    for (const { vs, plan } of services) {
      // Looked up now, not when the reconcile began: a reload meanwhile may have removed the service.
      const record = this.monitor.table.service(vs.key);
      if (!record) continue;
      const real = new Map<string, number>();
      let sorry: number | undefined;
      for (const m of plan.members) {
        if (m.role === 'real') real.set(m.key, m.weight);
        else sorry = m.weight;
      }
      // Absent from the plan is absent from the balancer: nothing applied.
      // The service's own records, in order: a key built and looked up per server made this 10 % of a mass failure's CPU.
      for (const r of record.servers) r.applied = real.get(r.rs.key);
      record.sorryApplied = sorry;
    }
  }

  /** Stops replanning and reconciling; then lets the actuator clean up what it owns (cleanStop). */
  async stop(): Promise<void> {
    this.pool.stop();
    await this.reconciler.stop();
  }
}
