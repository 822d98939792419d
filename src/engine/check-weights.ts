import type { RealServerDef } from '../model/model.js';
import type { ProbeResult } from '../probes/types.js';

/** What one check asks of its servers' weight; undefined parts ask nothing. */
export interface AskedWeight {
  weight: number | undefined;
  delta: number | undefined;
  percent?: number | undefined;
  /** The percentage is an HAProxy agent's `N%` (ProbeResult.weightPercentAs). */
  percentAs?: 'haproxy-agent' | undefined;
}

/** HAProxy's largest weight: an agent's percentage never asks more, unless the configured weight already is (IPVS weights go to 65535). */
const HAPROXY_MAX_WEIGHT = 256;

/**
 * What each check last asked of its real servers' weight (keepalived
 * MISC_CHECK misc_dynamic: absolute; FILE_CHECK: added; HAProxy agent-check
 * and the fpm check's weightByQueue: a percentage), and the weight a server
 * gets from them: the configured one, replaced by the lowest absolute weight
 * a check reported, scaled by the lowest percentage (rounded as the check
 * that asked it wants) and moved by the sum of the deltas, within IPVS's 0-65535.
 */
export class CheckWeights {
  private readonly byCheck = new Map<string, AskedWeight>();

  effective(rs: RealServerDef): number {
    let weight: number | undefined;
    let percent: number | undefined;
    let agent = false;
    let delta = 0;
    // A tracking server shares its state, not its weight: HAProxy moves only the tracked server's weight (its own agent's answers are its own).
    for (const id of rs.track ? rs.track.own : rs.checkIds) {
      const w = this.byCheck.get(id);
      if (!w) continue;
      if (w.weight !== undefined) weight = Math.min(weight ?? Infinity, w.weight);
      if (w.percent !== undefined && (percent === undefined || w.percent < percent)) {
        percent = w.percent;
        agent = w.percentAs === 'haproxy-agent';
      }
      delta += w.delta ?? 0;
    }
    const from = weight ?? rs.weight;
    let base = from;
    // server_parse_weight_change_request: iweight * N / 100 in integers, at most 256.
    if (percent !== undefined && agent) base = Math.min(Math.floor((from * percent) / 100), Math.max(HAPROXY_MAX_WEIGHT, from));
    // weightByQueue rounds up: only 0% drains a server whose weight is not 0.
    else if (percent !== undefined && percent !== 100) base = Math.ceil((from * percent) / 100);
    return Math.max(0, Math.min(65535, base + delta));
  }

  /** What a result asks now; undefined when it asks what the check asked before. A result that says only some parts keeps the others. */
  next(checkId: string, result: ProbeResult): AskedWeight | undefined {
    const prev = this.byCheck.get(checkId);
    const percentAs = result.weightPercent !== undefined ? result.weightPercentAs : prev?.percentAs;
    const next = { weight: result.weight ?? prev?.weight, delta: result.weightDelta ?? prev?.delta, percent: result.weightPercent ?? prev?.percent, percentAs };
    return prev && prev.weight === next.weight && prev.delta === next.delta && prev.percent === next.percent && prev.percentAs === next.percentAs ? undefined : next;
  }

  set(checkId: string, w: AskedWeight): void {
    this.byCheck.set(checkId, w);
  }

  delete(checkId: string): void {
    this.byCheck.delete(checkId);
  }
}
