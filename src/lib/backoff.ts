/**
 * Doubling retry delays with a ceiling, for anything rsguard retries against
 * a peer that is away (the balancer, the SMTP server): quick first retries,
 * then no more than one attempt per `maxMs`.
 */
export class Backoff {
  private ms = 0;

  constructor(private readonly firstMs: number, private readonly maxMs: number) {}

  /** The delay before the next attempt after one more failure. */
  fail(): number {
    this.ms = Math.min(this.maxMs, this.ms ? this.ms * 2 : this.firstMs);
    return this.ms;
  }

  succeed(): void {
    this.ms = 0;
  }

  /** Some failure is still waiting for its retry. */
  get active(): boolean {
    return this.ms > 0;
  }
}
