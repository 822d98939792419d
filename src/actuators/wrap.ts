import type { Actuator } from './actuator.js';

/**
 * An actuator that is `inner` (every member, methods bound to it, those of
 * its class too) but for `overrides`. The wrappers (dry run, the leader's
 * fence) are written as what they change; a member they do not name passes
 * through, including one added to Actuator later (a copied list drifted: the
 * fence dropped the plan's scope, leftAlone and reconfigure). An override
 * set to undefined removes the member.
 */
export function wrapActuator(inner: Actuator, overrides: Partial<Actuator>): Actuator {
  const out: Record<string, unknown> = {};
  for (let o: object | null = inner; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor' || key in out) continue;
      const v = (inner as unknown as Record<string, unknown>)[key];
      out[key] = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(inner) : v;
    }
  }
  for (const [key, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[key];
    else out[key] = v;
  }
  return out as unknown as Actuator;
}
