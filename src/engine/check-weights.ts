import type { RealServerDef } from '../config/model.js';
import type { ProbeResult } from '../probes/types.js';

/** What one check asks of its servers' weight; undefined parts ask nothing. */
export interface AskedWeight {
  weight: number | undefined;
  delta: number | undefined;
  percent?: number | undefined;
}

/**
 * What each check last asked of its real servers' weight (keepalived
 * MISC_CHECK misc_dynamic: absolute; FILE_CHECK: added; HAProxy agent-check
 * and the fpm check's weightByQueue: a percentage), and the weight a server
 * gets from them: the configured one, replaced by the lowest absolute weight
 * a check reported, scaled by the lowest percentage and moved by the sum of
 * the deltas, within IPVS's 0-65535.
 */
export class CheckWeights {
  private readonly byCheck = new Map<string, AskedWeight>();

  effective(rs: RealServerDef): number {
    let weight: number | undefined;
    let percent = 100;
    let delta = 0;
    // A tracking server shares its state, not its weight: HAProxy moves only the tracked server's weight.
    for (const id of rs.track ? [] : rs.checkIds) {
      const w = this.byCheck.get(id);
      if (!w) continue;
      if (w.weight !== undefined) weight = Math.min(weight ?? Infinity, w.weight);
      if (w.percent !== undefined) percent = Math.min(percent, w.percent);
      delta += w.delta ?? 0;
    }
    // Rounded up, as HAProxy does: only 0% drains a server whose weight is not 0.
    const base = percent === 100 ? (weight ?? rs.weight) : Math.ceil(((weight ?? rs.weight) * percent) / 100);
    return Math.max(0, Math.min(65535, base + delta));
  }

  /** What a result asks now; undefined when it asks what the check asked before. A result that says only some parts keeps the others. */
  next(checkId: string, result: ProbeResult): AskedWeight | undefined {
    const prev = this.byCheck.get(checkId);
    const next = { weight: result.weight ?? prev?.weight, delta: result.weightDelta ?? prev?.delta, percent: result.weightPercent ?? prev?.percent };
    return prev && prev.weight === next.weight && prev.delta === next.delta && prev.percent === next.percent ? undefined : next;
  }

  set(checkId: string, w: AskedWeight): void {
    this.byCheck.set(checkId, w);
  }

  delete(checkId: string): void {
    this.byCheck.delete(checkId);
  }
}
