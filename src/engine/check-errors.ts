import type { CheckErrorReason } from '../probes/types.js';

export interface CheckErrorChange {
  reason: CheckErrorReason;
  /** The reason gained its first erroring check (true) or lost its last (false). */
  active: boolean;
}

/**
 * Which checks cannot run, grouped by reason. A missing binary or a lost
 * capability breaks every check of a kind at once: admins get one alert per
 * reason when it starts and one when it ends, not one per real server.
 */
export class CheckErrorTracker {
  private readonly byReason = new Map<CheckErrorReason, Set<string>>();
  private readonly reasonOf = new Map<string, CheckErrorReason>();

  /** Records a check's error reason (null: it runs again) and returns the per-reason changes it caused. */
  set(checkId: string, reason: CheckErrorReason | null): CheckErrorChange[] {
    const was = this.reasonOf.get(checkId);
    if (was === reason || (was === undefined && reason === null)) return [];
    const changes: CheckErrorChange[] = [];
    if (was !== undefined) {
      const set = this.byReason.get(was)!;
      set.delete(checkId);
      this.reasonOf.delete(checkId);
      if (set.size === 0) {
        this.byReason.delete(was);
        changes.push({ reason: was, active: false });
      }
    }
    if (reason !== null) {
      let set = this.byReason.get(reason);
      if (!set) this.byReason.set(reason, (set = new Set()));
      set.add(checkId);
      this.reasonOf.set(checkId, reason);
      if (set.size === 1) changes.push({ reason, active: true });
    }
    return changes;
  }

  count(reason?: CheckErrorReason): number {
    return reason ? (this.byReason.get(reason)?.size ?? 0) : this.reasonOf.size;
  }

  reasons(): Map<CheckErrorReason, number> {
    return new Map([...this.byReason].map(([r, s]) => [r, s.size]));
  }
}
