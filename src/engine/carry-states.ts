import type { CheckDef, Model } from '../model/model.js';
import { initialCheckState, type CheckState } from '../state/check-state.js';

/**
 * The check states a reload starts the new model with, in `states` (changed
 * in place): a check with the same id keeps its state; one whose only change
 * is timing (same identity) takes over the old state; a new check on a real
 * server that was hard down starts hard down, so a reload never brings a
 * dead server back unchecked. Returns the ids of checks that are gone (their
 * states removed) and of the new ids that took an old state over. At most one pass over each model, and none when every
 * check is kept (the same file again): a scan per check made a reload of
 * 5,000 servers block the loop for a second.
 */
export function carryStates(old: Model, states: Map<string, CheckState>, downServers: () => DownServers, model: Model, now: number): { gone: string[]; carried: string[] } {
  const fresh: Array<[string, CheckDef]> = [];
  const took: string[] = [];
  for (const entry of model.checks) if (!states.has(entry[0])) fresh.push(entry);
  if (fresh.length) {
    const byIdentity = new Map<string, CheckState>();
    for (const [id, check] of old.checks) {
      const state = states.get(id);
      if (state) byIdentity.set(check.identity, state);
    }
    let usedByDown: Set<string> | undefined;
    for (const [id, check] of fresh) {
      const carried = byIdentity.get(check.identity);
      if (carried) {
        states.set(id, carried);
        took.push(id);
        continue;
      }
      usedByDown ??= checksOfDown(model, downServers());
      if (usedByDown.has(id)) states.set(id, initialCheckState({ ...check.timing, alpha: true }, now));
    }
  }
  const gone: string[] = [];
  // Every check of the model has a state and there are no more states than checks: none is gone.
  if (fresh.length || states.size !== model.checks.size) for (const id of states.keys()) if (!model.checks.has(id)) gone.push(id);
  for (const id of gone) states.delete(id);
  return { gone, carried: took };
}

/** The real servers that were hard down: their keys by virtual service key. */
export type DownServers = ReadonlyMap<string, ReadonlySet<string>>;

/** The checks of the new model's servers that were hard down. */
function checksOfDown(model: Model, down: DownServers): Set<string> {
  const out = new Set<string>();
  for (const vs of model.virtualServices) {
    const keys = down.get(vs.key);
    if (keys) for (const rs of vs.realServers) if (keys.has(rs.key)) for (const id of rs.checkIds) out.add(id);
  }
  return out;
}
