/**
 * Which checks cannot run, grouped by reason. A missing binary or a lost
 * capability breaks every check of a kind at once: admins get one alert per
 * reason when it starts and one when it ends, not one per real server.
 */
export class CheckErrorTracker {
    byReason = new Map();
    reasonOf = new Map();
    /** Records a check's error reason (null: it runs again) and returns the per-reason changes it caused. */
    set(checkId, reason) {
        const was = this.reasonOf.get(checkId);
        if (was === reason || (was === undefined && reason === null))
            return [];
        const changes = [];
        if (was !== undefined) {
            const set = this.byReason.get(was);
            set.delete(checkId);
            this.reasonOf.delete(checkId);
            if (set.size === 0) {
                this.byReason.delete(was);
                changes.push({ reason: was, active: false });
            }
        }
        if (reason !== null) {
            let set = this.byReason.get(reason);
            if (!set)
                this.byReason.set(reason, (set = new Set()));
            set.add(checkId);
            this.reasonOf.set(checkId, reason);
            if (set.size === 1)
                changes.push({ reason, active: true });
        }
        return changes;
    }
    count(reason) {
        return reason ? (this.byReason.get(reason)?.size ?? 0) : this.reasonOf.size;
    }
    reasons() {
        return new Map([...this.byReason].map(([r, s]) => [r, s.size]));
    }
}
//# sourceMappingURL=check-errors.js.map