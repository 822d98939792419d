import type { VirtualServiceDef } from '../model/model.js';
import type { DesiredService } from '../actuators/actuator.js';
import type { Scope } from '../actuators/reconciler.js';
import { realTimers, type Timers } from '../lib/timers.js';
import type { Logger } from '../lib/logger.js';
import { planPool, type ServerHealth } from '../planner/pool-plan.js';
import { applySafetyValve, holdSettled, type ValveServer } from '../planner/safety-valve.js';
import type { Health } from '../state/check-state.js';
import type { EventSink, MonitorEvent } from './events.js';
import type { Monitor } from './monitor.js';
import type { AdminState, ServerRecord } from './server-table.js';

/** How soon a held safety valve, or a slow-start ramp, is looked at again: neither brings a transition to react to. */
const VALVE_LOOK_MS = 250;
const RAMP_STEP_MS = 1000;

/**
 * The pool each virtual service should have, from the server records: hard
 * states through the safety valve, admin states, slow start, quorum and the
 * sorry server (the pure planner does the arithmetic). Replans on every
 * transition (a burst once), writes each plan into its service's record, and
 * hands the scope it changed to `planned` (the reconciler). No I/O.
 */
export class DesiredPool {
  private replanQueued = false;
  /** Virtual services whose servers changed since the queued replan was asked for. */
  private touched = new Set<string>();
  /** Virtual services where the safety valve holds servers now. */
  private held = new Set<string>();
  private valveTimer: unknown;
  private rampTimer: unknown;
  private stopped = false;

  constructor(
    private readonly monitor: Monitor,
    private readonly emit: EventSink,
    private readonly log: Logger,
    private readonly clock: () => number,
    private readonly planned: (scope: Scope) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  /** The pools in scope with their current plans, for the balancer. */
  desired(scope: Scope = 'all'): DesiredService[] {
    const out: DesiredService[] = [];
    for (const vs of this.monitor.current.virtualServices) {
      if (scope !== 'all' && !scope.has(vs.key)) continue;
      const plan = this.monitor.table.service(vs.key)?.plan;
      if (plan) out.push({ vs, plan });
    }
    return out;
  }

  /** Real servers of a virtual service an operator has drained. */
  drained(vsKey: string): ReadonlySet<string> {
    return this.keysWhere(vsKey, (r) => r.admin?.mode === 'drain');
  }

  /** Servers the safety valve holds in the pool now. */
  heldBySafetyValve(vsKey: string): ReadonlySet<string> {
    return this.keysWhere(vsKey, (r) => r.heldSince !== null);
  }

  private keysWhere(vsKey: string, pred: (r: ServerRecord) => boolean): Set<string> {
    const out = new Set<string>();
    for (const r of this.monitor.serverRecordsOf(vsKey)) if (pred(r)) out.add(r.rs.key);
    return out;
  }

  /**
   * Sets or clears (null) a hold on a real server; `actor` is who set or
   * cleared it, named in the event (clearing, the hold's own setter is not
   * who ended it). Its pool is replanned with the burst, as for transitions:
   * a maintenance file for a host in fifty services is one plan, not fifty.
   * False when there is no such server.
   */
  setAdmin(vsKey: string, rsKey: string, admin: AdminState | null, actor: Pick<AdminState, 'source' | 'by' | 'reason'> = admin ?? { source: 'api', by: null, reason: null }): boolean {
    const record = this.monitor.table.server(vsKey, rsKey);
    if (!record) return false;
    const was = record.admin;
    record.admin = admin;
    // Drain to maint (or back) is one hold for another: the old one ends, the new one begins.
    const at = admin?.at ?? this.clock();
    const by = { source: actor.source, by: actor.by, reason: actor.reason };
    if (was && was.mode !== admin?.mode) this.emit({ type: 'server-admin', at, server: record.ref, mode: was.mode, on: false, ...by });
    if (admin && admin.mode !== was?.mode) this.emit({ type: 'server-admin', at, server: record.ref, mode: admin.mode, on: true, ...by });
    this.queueReplan(vsKey);
    return true;
  }

  /** Hard transitions, weight changes and sorry-server health change the pool: replan once per burst. */
  onEvent(e: MonitorEvent): void {
    if (e.type !== 'server-hard' && e.type !== 'server-weight' && e.type !== 'sorry-health') return;
    this.queueReplan(e.type === 'sorry-health' ? e.vs : e.server.vs);
  }

  /** A mass failure brings thousands of transitions in one burst: plan once for all of them, on the next turn. */
  private queueReplan(vsKey: string): void {
    this.touched.add(vsKey);
    if (this.replanQueued) return;
    this.replanQueued = true;
    setImmediate(() => {
      this.replanQueued = false;
      const touched = this.touched;
      this.touched = new Set();
      if (!this.stopped) this.replan(touched);
    });
  }

  /** The records of a service's real servers in its order (read in order, no key built per server, at every plan). */
  private recordsOf(vs: VirtualServiceDef): Array<ServerRecord | undefined> {
    const byOrder = this.monitor.serverRecordsOf(vs.key);
    return vs.realServers.map((rs, i) => (byOrder[i]?.rs === rs ? byOrder[i] : this.monitor.serverRecord(vs.key, rs.key)));
  }

  /** What the safety valve needs of each real server: hard state, since when, and when all its checks last answered. */
  private valveServers(vs: VirtualServiceDef, records = this.recordsOf(vs)): ValveServer[] {
    return vs.realServers.map((rs, i) => {
      const r = records[i];
      let checkedAt = Infinity;
      for (const id of rs.checkIds) checkedAt = Math.min(checkedAt, this.monitor.checkState(id)?.lastCheck?.at ?? -Infinity);
      return { key: rs.key, hardState: r?.hardState ?? 'up', hardSince: r?.hardSince ?? -Infinity, checkedAt };
    });
  }

  private health(vs: VirtualServiceDef, now: number): Map<string, ServerHealth> {
    const records = this.recordsOf(vs);
    const servers = this.valveServers(vs, records);
    const held = new Map<string, number>();
    const previous = new Map<string, Health>();
    for (const r of records) {
      if (r?.heldSince != null) held.set(r.rs.key, r.heldSince);
      if (r?.effective) previous.set(r.rs.key, r.effective);
    }
    const valve = applySafetyValve({ servers, held, previous, maxDownFraction: vs.maxDownFraction, intervalMs: vs.intervalMs, now });
    if (valve.newlyHeld > 0) this.emit({ type: 'safety-valve', at: now, vs: vs.key, vsName: vs.name, held: valve.newlyHeld, total: servers.length, confirmed: false });
    if (valve.confirmed > 0) this.emit({ type: 'safety-valve', at: now, vs: vs.key, vsName: vs.name, held: valve.confirmed, total: servers.length, confirmed: true });
    if (valve.held.size > 0) this.held.add(vs.key);
    else this.held.delete(vs.key);
    const out = new Map<string, ServerHealth>();
    for (const [i, s] of servers.entries()) {
      const rs = vs.realServers[i]!;
      const record = records[i];
      const hardState = valve.effective.get(s.key)!;
      if (record) {
        record.heldSince = valve.held.get(s.key) ?? null;
        record.effective = hardState;
      }
      const weight = this.monitor.effectiveWeight(rs);
      out.set(s.key, { hardState, upSince: s.hardState === 'up' ? s.hardSince : -Infinity, ...(weight !== rs.weight ? { weight } : {}) });
    }
    return out;
  }

  private valveMoved(): boolean {
    return this.monitor.current.virtualServices.some(
      (vs) => this.held.has(vs.key) && this.valveServers(vs).some((s) => {
        const since = this.monitor.table.server(vs.key, s.key)?.heldSince;
        return since != null && holdSettled(s, since);
      }),
    );
  }

  /** While the valve holds servers, look again soon: the confirming round brings no transition to react to. */
  private armValve(): void {
    if (this.held.size === 0 || this.stopped) {
      this.timers.clearTimeout(this.valveTimer);
      this.valveTimer = undefined;
    } else if (!this.valveTimer) {
      const look = () => {
        this.valveTimer = undefined;
        if (this.valveMoved()) this.replan();
        else this.armValve();
      };
      this.valveTimer = this.timers.setTimeout(look, VALVE_LOOK_MS);
    }
  }

  /** One ramp step pending at a time, however many replans see the ramp. */
  private armRamp(): void {
    if (this.rampTimer || this.stopped) return;
    this.rampTimer = this.timers.setTimeout(() => {
      this.rampTimer = undefined;
      this.replan();
    }, RAMP_STEP_MS);
  }

  /** Recomputes the pools in scope, tells the world about sorry-server and quorum changes, and hands them on. */
  replan(scope: Scope = 'all'): void {
    if (this.stopped) return;
    const now = this.clock();
    // A full replan looks at every service anew: holds of services gone by a reload are forgotten.
    if (scope === 'all') this.held.clear();
    let ramping = false;
    for (const vs of this.monitor.current.virtualServices) {
      if (scope !== 'all' && !scope.has(vs.key)) continue;
      const record = this.monitor.table.service(vs.key);
      if (!record) continue;
      const prev = record.plan;
      const maint = this.keysWhere(vs.key, (r) => r.admin?.mode === 'maint');
      const plan = planPool({ vs, servers: this.health(vs, now), drained: this.drained(vs.key), maint, previousQuorumUp: prev?.quorumUp, now, sorryUp: this.monitor.sorryHealth(vs) === 'up' });
      record.plan = plan;
      if (prev && prev.quorumUp !== plan.quorumUp) this.emit({ type: 'quorum', at: now, vs: vs.key, vsName: vs.name, up: plan.quorumUp, upWeight: plan.upWeight, quorum: vs.quorum });
      if (prev && prev.sorryActive !== plan.sorryActive) this.emit({ type: 'sorry-server', at: now, vs: vs.key, vsName: vs.name, active: plan.sorryActive });
      if (plan.ramping) ramping = true;
    }
    this.armValve();
    this.planned(scope);
    if (ramping) this.armRamp();
  }

  /** No more replans; every timer it set is cleared. */
  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.valveTimer);
    this.timers.clearTimeout(this.rampTimer);
    this.valveTimer = this.rampTimer = undefined;
  }
}
