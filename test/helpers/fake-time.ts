import type { Timers } from '../../src/scheduler/scheduler.js';

/** Virtual time for scheduler tests: timers fire only when the test advances the clock. */
export class FakeTime implements Timers {
  now = 1_000_000;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  clock = (): number => this.now;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Timers set and not yet fired or cleared: what a stopped component must leave at 0. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Moves time forward, firing due timers in order (timers they set fire too if due). */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = Math.max(this.now, next[1].at);
      next[1].fn();
    }
    this.now = until;
  }
}
