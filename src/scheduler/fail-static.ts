/**
 * When distributed mode is failing static: probe jobs are given up unanswered
 * (Redis hung or gone, every worker stopped) and no answer comes in, so every
 * check keeps its last state. Told once when it begins and once when answers
 * come back, not per job: a hung Redis raises no error (ioredis queues the
 * commands), so without this nothing above debug would say the director is
 * blind. Fed by the queue's sweep, once a second.
 */
export type FailStaticChange = { begins: true; lost: number } | { begins: false; lastedMs: number; lost: number };

export class FailStaticWatch {
  private answered = 0;
  private lost = 0;
  private since: number | null = null;
  private lostSince = 0;

  answer(): void {
    this.answered++;
  }

  gaveUp(n = 1): void {
    this.lost += n;
  }

  get active(): boolean {
    return this.since !== null;
  }

  /** One sweep's worth: jobs lost with no answer begins it; answers with nothing lost end it. */
  tick(now: number): FailStaticChange | undefined {
    const { answered, lost } = this;
    this.answered = 0;
    this.lost = 0;
    if (this.since === null) {
      if (lost === 0 || answered > 0) return undefined;
      this.since = now;
      this.lostSince = lost;
      return { begins: true, lost };
    }
    this.lostSince += lost;
    if (answered === 0 || lost > 0) return undefined;
    const change = { begins: false as const, lastedMs: now - this.since, lost: this.lostSince };
    this.since = null;
    return change;
  }
}
