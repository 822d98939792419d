import type { RealServerDef } from '../config/model.js';
import type { ProbeResult } from '../probes/types.js';

/**
 * What each check last asked of its real servers' weight (keepalived
 * MISC_CHECK misc_dynamic: absolute; FILE_CHECK: added), and the weight a
 * server gets from them: the configured one, replaced by the lowest absolute
 * weight a check reported and moved by the sum of the deltas, within IPVS's
 * 0-65535.
 */
export class CheckWeights {
  private readonly byCheck = new Map<string, { weight: number | undefined; delta: number | undefined }>();

  effective(rs: RealServerDef): number {
    let weight: number | undefined;
    let delta = 0;
    for (const id of rs.checkIds) {
      const w = this.byCheck.get(id);
      if (!w) continue;
      if (w.weight !== undefined) weight = Math.min(weight ?? Infinity, w.weight);
      delta += w.delta ?? 0;
    }
    return Math.max(0, Math.min(65535, (weight ?? rs.weight) + delta));
  }

  /** What a result asks now; undefined when it asks what the check asked before. A result that says only one of the two keeps the other. */
  next(checkId: string, result: ProbeResult): { weight: number | undefined; delta: number | undefined } | undefined {
    const prev = this.byCheck.get(checkId);
    const next = { weight: result.weight ?? prev?.weight, delta: result.weightDelta ?? prev?.delta };
    return prev && prev.weight === next.weight && prev.delta === next.delta ? undefined : next;
  }

  set(checkId: string, w: { weight: number | undefined; delta: number | undefined }): void {
    this.byCheck.set(checkId, w);
  }

  delete(checkId: string): void {
    this.byCheck.delete(checkId);
  }
}
