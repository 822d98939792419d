/**
 * Check states in Redis (distributed mode), so a restarted or standby
 * scheduler carries on where the last one stopped, without a flap. Writes are
 * batched: changed states are flushed together once a second.
 */
export class RedisStateStore {
    redis;
    onError;
    dirty = new Map();
    timer;
    key;
    constructor(redis, prefix, onError) {
        this.redis = redis;
        this.onError = onError;
        this.key = `${prefix}:state:checks`;
        this.timer = setInterval(() => void this.flush(), 1000);
    }
    async load(ids) {
        const list = [...ids];
        const out = new Map();
        if (!list.length)
            return out;
        const values = await this.redis.hmget(this.key, ...list);
        values.forEach((v, i) => {
            if (!v)
                return;
            try {
                out.set(list[i], JSON.parse(v));
            }
            catch {
                // A value we cannot read is as good as none: that check starts fresh.
            }
        });
        return out;
    }
    save(id, state) {
        this.dirty.set(id, state);
    }
    /** Removed checks keep their hash fields: another scheduler on an older config may still use them. */
    retain() { }
    async flush() {
        if (!this.dirty.size || this.redis.status !== 'ready')
            return;
        const batch = [...this.dirty];
        this.dirty.clear();
        try {
            await this.redis.hset(this.key, Object.fromEntries(batch.map(([id, s]) => [id, JSON.stringify(s)])));
        }
        catch (err) {
            for (const [id, s] of batch)
                if (!this.dirty.has(id))
                    this.dirty.set(id, s);
            this.onError(err);
        }
    }
    async close() {
        clearInterval(this.timer);
        await this.flush();
    }
}
//# sourceMappingURL=state-store.js.map