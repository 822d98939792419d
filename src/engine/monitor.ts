import type { CheckDef, Model, RealServerDef, VirtualServiceDef } from '../model/model.js';
import { UnresolvedServers, type UnresolvedView } from './unresolved-servers.js';
import type { CheckErrorReason, ProbeResult } from '../probes/types.js';
import { applyResult, initialCheckState, nextDelayMs, type CheckState, type Health } from '../state/check-state.js';
import { serverView, type ServerView } from '../state/server-state.js';
import { healthAtSwap, planNow, planSwap, type Binding, type SwapPlan } from './swap-plan.js';
import { CheckErrorTracker } from './check-errors.js';
import { CheckWeights } from './check-weights.js';
import { formatHostPort } from '../lib/address.js';
import type { EventSink, ServerRef } from './events.js';
import { ServerTable, type ServerRecord } from './server-table.js';

export type { ServerRecord };

/**
 * Holds the state of every check and turns probe results into server events.
 * It is the one writer of state: results for a check are applied in order,
 * and every real server that uses the check sees the change.
 */
export class Monitor {
  private model: Model;
  private readonly states = new Map<string, CheckState>();
  private bindingsByCheck = new Map<string, Binding[]>();
  /**
   * The one record per real server and virtual service everyone reads (pool,
   * notifier, metrics): rebuilt from the model on reload, so nothing outlives
   * a removed server. The monitor writes the health part.
   */
  readonly table = new ServerTable();
  /** Virtual services whose sorry server a check belongs to. */
  private sorryByCheck = new Map<string, VirtualServiceDef[]>();
  private readonly errors = new CheckErrorTracker();
  /** Servers waiting for their host name to resolve (check errors "unresolved"). */
  private readonly unresolved = new UnresolvedServers();
  /** What each check last asked of the weight (absolute and/or added); absent for checks that never did. */
  private readonly weights = new CheckWeights();
  /** Counts the swaps: a plan made in an older one is void. */
  private epoch = 0;
  private prepared: SwapPlan | undefined;

  constructor(model: Model, private readonly sink: EventSink, private readonly clock: () => number = Date.now) {
    this.model = model;
    this.swap(this.planNow(model));
  }

  /** The record of one real server in one virtual service. */
  serverRecord(vsKey: string, rsKey: string): ServerRecord | undefined {
    return this.table.server(vsKey, rsKey);
  }

  serverRecords(): IterableIterator<ServerRecord> {
    return this.table.allServers();
  }

  /** The records of one virtual service's real servers, in its order (no key built per server: the pool reads them all at every plan). */
  serverRecordsOf(vsKey: string): readonly ServerRecord[] {
    return this.table.service(vsKey)?.servers ?? [];
  }

  /** Checks that cannot run now, by reason. */
  checkErrors(): Map<CheckErrorReason, number> {
    return this.errors.reasons();
  }

  erroringChecks(): number {
    return this.errors.count();
  }

  /**
   * The costly part of a reload (swap-plan.ts), in parts with a loop turn
   * between two, while every reader still sees the running model; reload()
   * of the same model then only swaps. Nothing changes here but what is
   * kept for that swap.
   */
  async prepareReload(model: Model, turn: () => Promise<void>): Promise<void> {
    this.prepared = undefined;
    const parts = planSwap(this.model, this.states, this.table, model, this.clock(), this.epoch);
    for (let r = parts.next(); ; r = parts.next()) {
      if (r.done) return void (this.prepared = r.value);
      await turn();
    }
  }

  /** Swaps in a new model without a flap, in one step: the plan prepareReload made for it, or one made now. */
  reload(model: Model): void {
    const ready = this.prepared;
    this.prepared = undefined;
    // Made before a restore rebuilt the table, or for another model: made again.
    this.swap(ready && ready.model === model && ready.epoch === this.epoch ? ready : this.planNow(model));
  }

  /** The servers of a virtual service left out because their name gives no address (a check error "unresolved", neither up nor down). */
  unresolvedServers(vsKey: string): UnresolvedView[] {
    return this.unresolved.list(vsKey);
  }

  private planNow(model: Model): SwapPlan {
    return planNow(planSwap(this.model, this.states, this.table, model, this.clock(), this.epoch));
  }

  /**
   * Takes the plan's model in: states first (looked up now, so a result that
   * came in since the plan was made is what carries), then the table, the
   * bindings and the model. `carry`: false when the check states were
   * replaced wholesale (restore): no record's health is carried over.
   */
  private swap(p: SwapPlan, carry = true): void {
    const now = this.clock();
    for (const [id, from] of p.carried) this.states.set(id, this.states.get(from)!);
    let down: Set<string> | undefined;
    for (const [was, ids] of p.downWatch) if (was.hardState === 'down') for (const id of ids) (down ??= new Set()).add(id);
    for (const [id, check, state] of p.fresh) {
      if (down?.has(id)) this.states.set(id, initialCheckState({ ...check.timing, alpha: true }, now));
      else {
        // Made with the plan and nowhere else: its start is the swap's.
        state.lastHardChangeAt = now;
        this.states.set(id, state);
      }
    }
    // A check whose id changed (new timing) carries its state, its check error too: tracked under the new id before
    // the old one lets go, so the reason never looks empty for a moment (no false "checks run again" alert).
    for (const [id] of p.carried) {
      const e = this.states.get(id)!.checkError;
      if (e) this.trackError(id, e.reason, now, e.detail);
    }
    for (const id of p.gone) {
      this.states.delete(id);
      this.weights.delete(id);
      this.trackError(id, null, now);
    }
    this.model = p.model;
    this.table.install(p.table, (rs, was) => healthAtSwap(this.states, rs, carry ? was : undefined, now), (vs) => this.sorryHealth(vs));
    this.bindingsByCheck = p.bindings;
    this.sorryByCheck = p.sorryByCheck;
    this.epoch++;
    if (this.listening) this.syncUnresolved(p.model, now);
  }

  private listening = false;

  /** Reports what the model starts with that is already an alert (names that do not resolve): called once the event sinks listen. */
  start(): void {
    this.listening = true;
    this.syncUnresolved(this.model, this.clock());
  }

  private syncUnresolved(model: Model, at: number): void {
    for (const c of this.unresolved.sync(model, at)) this.trackError(c.id, c.reason, at, c.detail, c.label);
  }

  /** The sorry server's hard state: 'up' when it has no checks (unchecked, as ldirectord and keepalived leave it). */
  sorryHealth(vs: VirtualServiceDef): Health {
    const ids = vs.sorryServer?.checkIds ?? [];
    return ids.length ? serverView(ids.map((id) => ({ id, state: this.states.get(id)! }))).hardState : 'up';
  }

  get current(): Model {
    return this.model;
  }

  /** Takes over saved states (distributed mode restart) for checks that still exist; they replace fresh ones. */
  restore(states: ReadonlyMap<string, CheckState>): number {
    let n = 0;
    for (const [id, state] of states) {
      if (!this.model.checks.has(id)) continue;
      this.states.set(id, { ...state, checkError: null });
      n++;
    }
    // The server table follows the restored states (a down server restored is down for the pool keeper too).
    this.swap(this.planNow(this.model), false);
    return n;
  }

  /** Called with every state that changed, for persistence. */
  onStateChange: ((id: string, state: CheckState) => void) | undefined;
  /** Told, for each server of the check, of the admin state a result asks (HAProxy agent: ready, drain, maint), before its health applies. */
  onAdminAsked: ((vsKey: string, rsKey: string, ask: { checkId: string; mode: NonNullable<ProbeResult['admin']>; check: string; detail: string }) => void) | undefined;

  /** No answer for over three intervals plus a timeout (workers or Redis away): its state is the last known one. */
  isStale(id: string, now: number): boolean {
    const c = this.model.checks.get(id);
    const s = this.states.get(id);
    if (!c || !s) return false;
    // A check error is an answer too: the worker ran and said it could not check (shown as checkError instead).
    const heard = Math.max(s.lastCheck?.at ?? s.lastHardChangeAt, s.checkError?.at ?? -Infinity);
    return now - heard > 3 * c.timing.intervalMs + c.timing.timeoutMs;
  }

  checkState(id: string): CheckState | undefined {
    return this.states.get(id);
  }

  check(id: string): CheckDef | undefined {
    return this.model.checks.get(id);
  }

  server(rs: RealServerDef): ServerView {
    return serverView(rs.checkIds.map((id) => ({ id, state: this.states.get(id)! })));
  }

  /** Applies one result and returns the delay until the check should run again (0 when it is gone). */
  apply(checkId: string, result: ProbeResult, at: number = this.clock()): number {
    const check = this.model.checks.get(checkId);
    const prev = this.states.get(checkId);
    if (!check || !prev) return 0;
    // As HAProxy reads an agent's line: admin state first (a server put in maint is not mailed down), weight, then health.
    if (result.admin && !result.error) for (const b of this.bindingsByCheck.get(checkId) ?? []) this.onAdminAsked?.(b.vs.key, b.rs.key, { checkId, mode: result.admin, check: check.label, detail: result.detail });
    const { next, transitions } = applyResult(prev, check.timing, result, at);
    this.states.set(checkId, next);
    // Any result that ran may ask a weight (an agent's `down 50%` too); the probes that ask one only when up say so themselves.
    if (!result.error && (result.weight !== undefined || result.weightDelta !== undefined || result.weightPercent !== undefined)) this.applyWeight(checkId, check.label, result, at);
    // Starting, stopping or changing reason: the tracker tells whether that begins or ends an alert.
    if (next.checkError?.reason !== prev.checkError?.reason) this.trackError(checkId, next.checkError?.reason ?? null, at, next.checkError?.detail);
    // Most results change nothing visible; only then are server views built (this is the probe hot path).
    if (transitions.soft || transitions.hard || transitions.flapping) {
      for (const b of this.bindingsByCheck.get(checkId) ?? []) {
        const before = serverView(b.rs.checkIds.map((id) => ({ id, state: id === checkId ? prev : this.states.get(id)! })));
        this.emitServerChanges(b, before, this.server(b.rs), at, prev.lastHardChangeAt);
      }
    }
    if (transitions.hard) for (const vs of this.sorryByCheck.get(checkId) ?? []) this.emitSorryChange(vs, checkId, at);
    // Persisted after the events (so the mail is spooled first: a crash can repeat a mail, never lose one)
    // and before the pool keeper reconciles, which waits for setImmediate.
    this.onStateChange?.(checkId, next);
    return nextDelayMs(next, check.timing);
  }

  /** The weight a real server's checks ask for (check-weights.ts). */
  effectiveWeight(rs: RealServerDef): number {
    return this.weights.effective(rs);
  }

  private applyWeight(checkId: string, label: string, result: ProbeResult, at: number): void {
    const next = this.weights.next(checkId, result);
    if (!next) return;
    const before = new Map((this.bindingsByCheck.get(checkId) ?? []).map((b) => [b, this.effectiveWeight(b.rs)]));
    this.weights.set(checkId, next);
    for (const [b, was] of before) {
      const now = this.effectiveWeight(b.rs);
      if (now !== was) this.sink({ type: 'server-weight', at, server: b.ref, weight: now, configured: b.rs.weight, check: label });
    }
  }

  private trackError(checkId: string, reason: CheckErrorReason | null, at: number, detail = '', label?: string): void {
    const check = label ?? this.model.checks.get(checkId)?.label ?? checkId;
    // A cleared error says nothing unless the caller knows what ended it (an unresolved name's address).
    for (const c of this.errors.set(checkId, reason)) {
      this.sink({ type: 'check-error', at, reason: c.reason, active: c.active, checks: this.errors.count(c.reason), check, detail: c.active || label ? detail : '' });
    }
  }

  private emitSorryChange(vs: VirtualServiceDef, checkId: string, at: number): void {
    const now = this.sorryHealth(vs);
    const record = this.table.service(vs.key);
    if (!record || now === record.sorryHard) return;
    record.sorryHard = now;
    const s = vs.sorryServer!;
    const check = this.model.checks.get(checkId)?.label ?? checkId;
    this.sink({ type: 'sorry-health', at, vs: vs.key, vsName: vs.name, server: formatHostPort(s.host, s.port), up: now === 'up', check, reason: this.states.get(checkId)?.lastCheck?.detail ?? '' });
  }

  private emitServerChanges(b: Binding, before: ServerView, after: ServerView, at: number, since: number): void {
    const decider = after.failingCheck ?? before.failingCheck;
    const check = decider ? (this.model.checks.get(decider)?.label ?? decider) : null;
    const reason = (decider && this.states.get(decider)?.lastCheck?.detail) ?? after.lastCheck?.detail ?? '';
    if (before.hardState !== after.hardState) {
      // The record changes before anyone hears of it, so every reader sees the same table.
      const record = this.table.server(b.vs.key, b.rs.key);
      if (record) {
        record.hardState = after.hardState;
        record.hardSince = at;
        record.downCheck = after.hardState === 'down' ? check : null;
        record.downReason = after.hardState === 'down' ? reason : '';
      }
      this.sink({ type: 'server-hard', at, since, server: b.ref, from: before.hardState, to: after.hardState, check, reason });
    } else if (before.state !== after.state || before.stateType !== after.stateType) {
      this.sink({ type: 'server-soft', at, server: b.ref, from: before.state, to: after.state, fromType: before.stateType, toType: after.stateType, check, reason });
    }
    if (before.flapping !== after.flapping) {
      // After the hard event: a transition that starts the flapping is still mailed; the next ones are not.
      const record = this.table.server(b.vs.key, b.rs.key);
      if (record) record.flapping = after.flapping;
      const percent = Math.max(0, ...b.rs.checkIds.map((id) => this.states.get(id)?.flap.percent ?? 0));
      this.sink({ type: 'server-flapping', at, server: b.ref, flapping: after.flapping, percent });
    }
  }
}
