import type { RealServerDef } from '../model/model.js';
import type { FpmPoolStatus } from '../probes/fpm-pool-status.js';
import type { ProbeResult } from '../probes/types.js';

/**
 * The latest php-fpm pool status each fpm check read, for the gauges. Only
 * the metrics read it: the state engine decides on the check's verdict and
 * weight share, never on these numbers.
 */
export class FpmPoolReadings {
  private readonly byCheck = new Map<string, FpmPoolStatus>();
  /** The checks the readings were last pruned for, and whether a check read its first status since. */
  private prunedFor: ReadonlyMap<string, unknown> | undefined;
  private added = false;

  /** A result that read no status drops the last one: a stale queue length would be a lie on a dashboard. */
  observe(checkId: string, result: ProbeResult): void {
    if (result.fpmPool) {
      if (!this.added && !this.byCheck.has(checkId)) this.added = true;
      this.byCheck.set(checkId, result.fpmPool);
    }
    else if (this.byCheck.size && this.byCheck.has(checkId)) this.byCheck.delete(checkId);
  }

  /** What the server's first check that read a status read (one pool per real server). */
  forServer(rs: RealServerDef): FpmPoolStatus | undefined {
    if (!this.byCheck.size) return undefined;
    for (const id of rs.checkIds) {
      const p = this.byCheck.get(id);
      if (p) return p;
    }
    return undefined;
  }

  /**
   * Forgets checks a reload removed. Called at every scrape, it walks the
   * readings only when there can be one to drop: the checks are another
   * model's (a reload), or a check read its first status since (one in
   * flight across a reload, its check gone).
   */
  keepOnly(checks: ReadonlyMap<string, unknown>): void {
    if (checks === this.prunedFor && !this.added) return;
    this.prunedFor = checks;
    this.added = false;
    for (const id of this.byCheck.keys()) if (!checks.has(id)) this.byCheck.delete(id);
  }
}
