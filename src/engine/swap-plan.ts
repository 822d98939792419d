import type { CheckDef, Model, RealServerDef, VirtualServiceDef } from '../model/model.js';
import { virtualServiceByKey } from '../model/model-index.js';
import { initialCheckState, type CheckState } from '../state/check-state.js';
import type { ServerRef } from './events.js';
import type { Health } from '../state/check-state.js';
import type { HealthFields, PreparedTable, ServerRecord, ServerTable } from './server-table.js';

/** A check's use by one real server of one virtual service. */
export interface Binding {
  vs: VirtualServiceDef;
  rs: RealServerDef;
  ref: ServerRef;
}

/**
 * What the monitor's swap to a new model needs, made ahead of it in parts
 * while readers still see the running model (at 10,000 servers and 19,000
 * new checks the making held the loop over 100 ms in one piece). It holds
 * nothing that a probe result can change before the swap: states by check
 * id, never the state objects of running checks; the old records
 * themselves, read at the swap. Which state each check starts with:
 * - an id the running model has keeps its state;
 * - a new id with the identity of a running check (only its timing
 *   changed) takes that check's state over (`carried`);
 * - any other new id starts fresh, and hard down when a server that uses
 *   it is hard down at the swap (`downWatch`): a reload never brings a dead
 *   server back unchecked.
 */
export interface SwapPlan {
  readonly model: Model;
  /** The monitor's epoch it was made in: a rebuild since (a restore) makes it void. */
  readonly epoch: number;
  readonly table: PreparedTable;
  /** New ids that take a state over, with the running id they take it from. */
  readonly carried: ReadonlyArray<readonly [string, string]>;
  /** New ids with no state to take, and the state each starts with unless `downWatch` says down. */
  readonly fresh: ReadonlyArray<readonly [string, CheckDef, CheckState]>;
  /** Old records of servers that get a fresh check, with those checks. */
  readonly downWatch: ReadonlyArray<readonly [ServerRecord, readonly string[]]>;
  /** Running ids the model drops. */
  readonly gone: readonly string[];
  readonly bindings: Map<string, Binding[]>;
  readonly sorryByCheck: Map<string, VirtualServiceDef[]>;
}

/** Items between two yields: a few milliseconds of work each. */
const PART = 2000;

/**
 * Makes the plan from the running model (`old`, its `states` and `table`) to
 * `model`, yielding between parts: a caller that waits a loop turn at each
 * yield spreads the work, one that does not gets it at once. At most one
 * pass over each model, and no carrying when every check is kept (the same
 * file again): a scan per check made a reload of 5,000 servers block the
 * loop for a second.
 */
export function* planSwap(old: Model, states: ReadonlyMap<string, CheckState>, table: ServerTable, model: Model, now: number, epoch: number): Generator<void, SwapPlan, void> {
  const needs: Array<[string, CheckDef]> = [];
  for (const entry of model.checks) if (!states.has(entry[0])) needs.push(entry);
  const carried: Array<[string, string]> = [];
  const fresh: Array<[string, CheckDef, CheckState]> = [];
  if (needs.length) {
    const byIdentity = new Map<string, string>();
    for (const [id, check] of old.checks) if (states.has(id)) byIdentity.set(check.identity, id);
    for (let i = 0; i < needs.length; i++) {
      const [id, check] = needs[i]!;
      const from = byIdentity.get(check.identity);
      if (from !== undefined) carried.push([id, from]);
      else fresh.push([id, check, initialCheckState(check.timing, now)]);
      if (i % PART === PART - 1) yield;
    }
  }
  const gone: string[] = [];
  // Every check of the model has a state and there are no more states than checks: none is gone.
  if (needs.length || states.size !== model.checks.size) for (const id of states.keys()) if (!model.checks.has(id)) gone.push(id);
  yield;
  const prepared = table.prepare(model);
  yield;
  const freshIds = fresh.length ? new Set(fresh.map((f) => f[0])) : undefined;
  const downWatch: Array<[ServerRecord, string[]]> = [];
  const bindings = new Map<string, Binding[]>();
  const { records, olds } = prepared;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const was = olds[i];
    const binding: Binding = { vs: r.vs, rs: r.rs, ref: r.ref };
    let watch: string[] | undefined;
    for (const id of r.rs.checkIds) {
      const list = bindings.get(id);
      if (list) list.push(binding);
      else bindings.set(id, [binding]);
      if (was && freshIds?.has(id)) (watch ??= []).push(id);
    }
    if (watch) downWatch.push([was!, watch]);
    if (i % PART === PART - 1) yield;
  }
  const sorryByCheck = new Map<string, VirtualServiceDef[]>();
  for (const vs of model.virtualServices) {
    if (!vs.sorryServer) continue;
    for (const id of vs.sorryServer.checkIds) sorryByCheck.set(id, [...(sorryByCheck.get(id) ?? []), vs]);
  }
  yield;
  // The model's own index (servers by key, for the API and the readers), built now rather than at the first read after the swap.
  virtualServiceByKey(model, '');
  return { model, epoch, table: prepared, carried, fresh, downWatch, gone, bindings, sorryByCheck };
}

/** A server's health fields at the swap: from its checks' states now, and what its old record (none: not carried) knew. */
export function healthAtSwap(states: ReadonlyMap<string, CheckState>, rs: RealServerDef, old: ServerRecord | undefined, now: number): HealthFields {
  // One look-up per check for both (a reload to 10,000 servers is mostly Map look-ups).
  let hardState: Health = 'up';
  let flapping = false;
  for (const id of rs.checkIds) {
    const state = states.get(id)!;
    if (state.hardState === 'down') hardState = 'down';
    if (state.flap.flapping) flapping = true;
  }
  return {
    hardState,
    hardSince: old && old.hardState === hardState ? old.hardSince : old ? now : -Infinity,
    downCheck: old?.downCheck ?? null,
    downReason: old?.downReason ?? '',
    flapping,
  };
}

/** The plan at once, for a swap with nothing prepared. */
export function planNow(parts: Generator<void, SwapPlan, void>): SwapPlan {
  for (;;) {
    const r = parts.next();
    if (r.done) return r.value;
  }
}
