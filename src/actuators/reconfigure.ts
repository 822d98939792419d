import type { BalancerDef } from '../model/model.js';
import type { Actuator } from './actuator.js';

/**
 * The balancer settings a reload changed, by name; ['kind'] alone for another
 * kind (its settings are another balancer's, none compares). The repair
 * interval is left out: the pool keeper takes it on every reload.
 */
export function balancerChanges(before: BalancerDef, next: BalancerDef): string[] {
  if (before.kind !== next.kind) return ['kind'];
  const was = before as unknown as Record<string, unknown>;
  const now = next as unknown as Record<string, unknown>;
  return Object.keys({ ...was, ...now }).filter((k) => k !== 'reconcileIntervalMs' && JSON.stringify(was[k]) !== JSON.stringify(now[k]));
}

/**
 * Hands a reload's balancer settings to the running actuator when it is of
 * the same kind and one changed; returns the names it took live (the others
 * need a restart: config/restart-needed.ts names them).
 */
export function takeBalancerLive(actuator: Actuator, before: BalancerDef, next: BalancerDef): string[] {
  const changed = balancerChanges(before, next);
  if (changed.length === 0 || before.kind !== next.kind) return [];
  return actuator.reconfigure?.(next) ?? [];
}

/**
 * A reload's balancer settings: those the running actuator takes live are
 * handed to it; the names of the others (a new kind, another ipvsadm or
 * socket) are returned, to be logged as needing a restart rather than
 * silently ignored.
 */
export function reconfigureBalancer(actuator: Actuator, before: BalancerDef, next: BalancerDef): string[] {
  const live = new Set(takeBalancerLive(actuator, before, next));
  return balancerChanges(before, next).filter((k) => !live.has(k));
}
