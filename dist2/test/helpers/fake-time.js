/** Virtual time for scheduler tests: timers fire only when the test advances the clock. */
export class FakeTime {
    now = 1_000_000;
    seq = 0;
    pending = new Map();
    clock = () => this.now;
    setTimeout(fn, ms) {
        const id = ++this.seq;
        this.pending.set(id, { at: this.now + ms, fn });
        return id;
    }
    clearTimeout(handle) {
        this.pending.delete(handle);
    }
    /** Moves time forward, firing due timers in order (timers they set fire too if due). */
    advance(ms) {
        const until = this.now + ms;
        for (;;) {
            let next;
            for (const entry of this.pending)
                if (entry[1].at <= until && (!next || entry[1].at < next[1].at))
                    next = entry;
            if (!next)
                break;
            this.pending.delete(next[0]);
            this.now = Math.max(this.now, next[1].at);
            next[1].fn();
        }
        this.now = until;
    }
}
//# sourceMappingURL=fake-time.js.map