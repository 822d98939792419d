import { formatHostPort } from '../lib/address.js';
import type { Forwarding, VirtualServiceDef } from '../model/model.js';
import type { Health } from '../state/check-state.js';

/**
 * The pool planner: from the hard states of a virtual service's real servers
 * it computes the pool the balancer should have. Pure: no clock, no I/O.
 *
 * - up: the configured weight (ramped over `slowStart` after a recovery);
 * - drained by an operator: weight 0, kept in the table;
 * - in maintenance (an operator's): out, as a down server is, whatever its checks say;
 * - down: weight 0 when `onDown: quiescent`, else absent;
 * - quorum (keepalived): the up weight sum must reach quorum + hysteresis to
 *   gain quorum and fall below quorum − hysteresis (or to 0) to lose it; while
 *   it is lost the sorry server is in with weight 1 and the real servers that
 *   are still up are taken out, as keepalived does. With the default quorum 1
 *   this is ldirectord's fallback: the sorry server stands in exactly while no
 *   real server is up.
 */
export interface MemberPlan {
  key: string;
  host: string;
  port: number;
  weight: number;
  forwarding: Forwarding;
  role: 'real' | 'sorry';
}

export interface PoolPlan {
  vsKey: string;
  members: MemberPlan[];
  sorryActive: boolean;
  quorumUp: boolean;
  upWeight: number;
  /** Some weight is still ramping up (slow start): replan again soon. */
  ramping: boolean;
}

export interface ServerHealth {
  hardState: Health;
  /** When it last came hard up; -Infinity for servers up since rsguard started (no slow start at start, like HAProxy). */
  upSince: number;
  /** The weight its checks ask for (keepalived misc_dynamic, FILE_CHECK), instead of the configured one. */
  weight?: number;
}

export interface PlanInput {
  vs: VirtualServiceDef;
  servers: ReadonlyMap<string, ServerHealth>;
  drained: ReadonlySet<string>;
  /** Servers an operator put in maintenance. */
  maint?: ReadonlySet<string>;
  previousQuorumUp: boolean | undefined;
  now: number;
  /** The sorry server's own checks pass (default true: unchecked). A dead one never stands in. */
  sorryUp?: boolean;
}

export function rampedWeight(weight: number, upSince: number, slowStartMs: number, now: number): number {
  if (weight === 0 || slowStartMs <= 0) return weight;
  const elapsed = now - upSince;
  if (elapsed >= slowStartMs) return weight;
  return Math.max(1, Math.ceil((weight * Math.max(0, elapsed)) / slowStartMs));
}

export function quorumState(upWeight: number, quorum: number, hysteresis: number, previous: boolean | undefined): boolean {
  if (previous === undefined) return upWeight >= quorum && upWeight > 0;
  if (previous) return !(upWeight === 0 || upWeight < quorum - hysteresis);
  return upWeight >= quorum + hysteresis && upWeight > 0;
}

export function planPool(input: PlanInput): PoolPlan {
  const { vs, drained, now } = input;
  const maint = input.maint ?? new Set<string>();
  // Maintenance is planned as down: the same removal (or quiescent weight 0), no share of the quorum.
  const servers = maint.size ? new Map([...input.servers].map(([k, h]) => [k, maint.has(k) ? { ...h, hardState: 'down' as const } : h])) : input.servers;
  let upWeight = 0;
  for (const rs of vs.realServers) {
    const h = servers.get(rs.key);
    if (h?.hardState === 'up' && !drained.has(rs.key)) upWeight += h.weight ?? rs.weight;
  }
  const quorumUp = quorumState(upWeight, vs.quorum, vs.hysteresis, input.previousQuorumUp);
  const sorryActive = vs.sorryServer !== null && !quorumUp && input.sorryUp !== false;
  const members: MemberPlan[] = [];
  let ramping = false;
  for (const rs of vs.realServers) {
    const health = servers.get(rs.key);
    const up = health?.hardState === 'up';
    let weight: number | undefined;
    if (up && !sorryActive) {
      const target = health!.weight ?? rs.weight;
      weight = drained.has(rs.key) ? 0 : rampedWeight(target, health!.upSince, vs.slowStartMs, now);
      if (!drained.has(rs.key) && weight < target) ramping = true;
    }
    else if ((rs.onDown ?? vs.onDown) === 'quiescent') weight = 0;
    else if (up && drained.has(rs.key)) weight = 0;
    if (weight !== undefined) members.push({ key: rs.key, host: rs.host, port: rs.port, weight, forwarding: rs.forwarding, role: 'real' });
  }
  if (sorryActive && vs.sorryServer) {
    const s = vs.sorryServer;
    members.push({ key: formatHostPort(s.host, s.port), host: s.host, port: s.port, weight: 1, forwarding: s.forwarding, role: 'sorry' });
  }
  return { vsKey: vs.key, members, sorryActive, quorumUp, upWeight, ramping };
}
