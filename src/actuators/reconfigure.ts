import type { BalancerDef } from '../model/model.js';
import type { Actuator } from './actuator.js';

/**
 * A reload's balancer settings: those the running actuator takes live are
 * handed to it; the names of the others (a new kind, another ipvsadm or
 * socket) are returned, to be logged as needing a restart rather than
 * silently ignored. The repair interval is the pool keeper's, not the actuator's.
 */
export function reconfigureBalancer(actuator: Actuator, before: BalancerDef, next: BalancerDef): string[] {
  if (before.kind !== next.kind) return ['kind'];
  const was = before as unknown as Record<string, unknown>;
  const now = next as unknown as Record<string, unknown>;
  const changed = Object.keys({ ...was, ...now }).filter((k) => k !== 'reconcileIntervalMs' && JSON.stringify(was[k]) !== JSON.stringify(now[k]));
  if (changed.length === 0) return [];
  const live = new Set(actuator.reconfigure?.(next) ?? []);
  return changed.filter((k) => !live.has(k));
}
