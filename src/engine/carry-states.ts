import type { Model } from '../config/model.js';
import { serverKey } from '../config/model-index.js';
import { initialCheckState, type CheckState } from '../state/check-state.js';

/**
 * The check states a reload starts the new model with, in `states` (changed
 * in place): a check with the same id keeps its state; one whose only change
 * is timing (same identity) takes over the old state; a new check on a real
 * server that was hard down starts hard down, so a reload never brings a
 * dead server back unchecked. Returns the ids of checks that are gone (their
 * states removed). One pass over each model: a scan per check made a reload
 * of 5,000 servers block the loop for a second.
 */
export function carryStates(old: Model, states: Map<string, CheckState>, downServers: ReadonlySet<string>, model: Model, now: number): string[] {
  const byIdentity = new Map<string, CheckState>();
  for (const [id, check] of old.checks) {
    const state = states.get(id);
    if (state) byIdentity.set(check.identity, state);
  }
  const usedByDown = new Set<string>();
  if (downServers.size) for (const vs of model.virtualServices) for (const rs of vs.realServers) if (downServers.has(serverKey(vs.key, rs.key))) for (const id of rs.checkIds) usedByDown.add(id);
  for (const [id, check] of model.checks) {
    if (states.has(id)) continue;
    const carried = byIdentity.get(check.identity);
    if (carried) states.set(id, carried);
    else if (usedByDown.has(id)) states.set(id, initialCheckState({ ...check.timing, alpha: true }, now));
  }
  const gone: string[] = [];
  for (const id of states.keys()) if (!model.checks.has(id)) gone.push(id);
  for (const id of gone) states.delete(id);
  return gone;
}
