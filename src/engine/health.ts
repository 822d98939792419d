import type { Monitor } from './monitor.js';

/**
 * Whether this director can still see its real servers, for VRRP: keepalived
 * should move the VIPs away from a director whose checker is blind (dead,
 * stale because workers or Redis are away, or unable to run its checks),
 * since that director's pools are frozen at their last state.
 */
export interface HealthReport {
  ok: boolean;
  checks: number;
  stale: number;
  erroring: number;
  /** Checks that are stale or cannot run (counted once). */
  blind: number;
  maxBlindFraction: number;
  detail: string;
}

export function healthVerdict(input: { started: boolean; checks: number; blind: number; stale: number; erroring: number; maxBlindFraction: number }): HealthReport {
  const { started, checks, blind, stale, erroring, maxBlindFraction } = input;
  const fraction = checks === 0 ? 0 : blind / checks;
  // maxBlindFraction 0 means "any blind check is sick"; otherwise sick only past the fraction.
  const sick = !started || (maxBlindFraction === 0 ? blind > 0 : fraction > maxBlindFraction);
  const detail = !started
    ? 'starting'
    : `${blind}/${checks} checks blind (${stale} stale, ${erroring} cannot run), limit ${Math.round(maxBlindFraction * 100)}%`;
  return { ok: !sick, checks, stale, erroring, blind, maxBlindFraction, detail };
}

export function healthReport(monitor: Monitor, now: number, started: boolean): HealthReport {
  const model = monitor.current;
  let stale = 0;
  let erroring = 0;
  let blind = 0;
  for (const id of model.checks.keys()) {
    const isStale = monitor.isStale(id, now);
    const isError = Boolean(monitor.checkState(id)?.checkError);
    if (isStale) stale++;
    if (isError) erroring++;
    if (isStale || isError) blind++;
  }
  return healthVerdict({ started, checks: model.checks.size, blind, stale, erroring, maxBlindFraction: model.global.health.maxBlindFraction });
}
