import { writeFileAtomic } from '../lib/atomic-write.js';
import { every, realTimers, type Timers } from '../lib/timers.js';

/**
 * The keepalived track_file side of `global.health.file`: rsguard writes its
 * weight there while it is healthy and 0 when it is sick or stopped, so
 * keepalived (`track_file { f weight 1 }`) lowers the priority of a director
 * whose checker is blind. Written only on change, atomically.
 */
export class HealthFile {
  private last: string | undefined;
  private stopTimer: (() => void) | undefined;

  constructor(
    private readonly file: () => string | undefined,
    private readonly weight: () => number,
    private readonly healthy: () => boolean,
    private readonly onError: (err: Error) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  start(everyMs = 1000): void {
    void this.update();
    this.stopTimer = every(this.timers, everyMs, () => void this.update());
  }

  /** Writes the current verdict; `stopping` forces 0. */
  async update(stopping = false): Promise<void> {
    const file = this.file();
    if (!file) return;
    const value = stopping || !this.healthy() ? '0' : String(this.weight());
    const key = `${file}=${value}`;
    if (key === this.last) return;
    try {
      await writeFileAtomic(file, `${value}\n`);
      this.last = key;
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** A stopped checker is a blind one: zero the file so keepalived moves the VIPs. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    await this.update(true);
  }
}
