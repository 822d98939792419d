/**
 * Doubling retry delays with a ceiling, for anything rsguard retries against
 * a peer that is away (the balancer, the SMTP server): quick first retries,
 * then no more than one attempt per `maxMs`.
 */
export class Backoff {
    firstMs;
    maxMs;
    ms = 0;
    constructor(firstMs, maxMs) {
        this.firstMs = firstMs;
        this.maxMs = maxMs;
    }
    /** The delay before the next attempt after one more failure. */
    fail() {
        this.ms = Math.min(this.maxMs, this.ms ? this.ms * 2 : this.firstMs);
        return this.ms;
    }
    succeed() {
        this.ms = 0;
    }
    /** Some failure is still waiting for its retry. */
    get active() {
        return this.ms > 0;
    }
}
//# sourceMappingURL=backoff.js.map