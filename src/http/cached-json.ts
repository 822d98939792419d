import { gzipSync } from 'node:zlib';

/**
 * A read document built at most once per `maxAgeMs` and kept serialized:
 * building the status document of 500 servers for each of 200 requests a
 * second held the event loop long enough that /api/health (keepalived's
 * vrrp_script, through `rsguard health`) timed out, which would move the VIPs
 * off a healthy director. Readers get a snapshot at most `maxAgeMs` old.
 */
export class CachedJson {
  private text = '';
  private builtAt = -Infinity;
  private builtFor: unknown;
  private gzip: Buffer | undefined;
  /** Event-loop milliseconds the last snapshot cost (build, serialize, compress). */
  private costMs = 0;

  /**
   * `maxDuty`: the largest share of the event loop rebuilding may take; a
   * snapshot that costs more is kept longer than `maxAgeMs` (the board of
   * 5,000 servers costs a quarter of a second: rebuilt every second it would
   * hold the loop a quarter of the time, delaying probes and /api/health).
   * `version`: what the snapshot was built from (the config in force); a
   * snapshot of another is never served, however young: `systemctl reload`
   * then `rsguard status` must show the new config, and a reload can finish
   * well inside `maxAgeMs` of the last read.
   */
  constructor(
    private readonly build: () => unknown,
    private readonly clock: () => number,
    private readonly maxAgeMs: number,
    private readonly maxDuty = 1,
    private readonly version: () => unknown = () => undefined,
  ) {}

  /** How long the current snapshot is served. */
  get ageLimitMs(): number {
    return Math.max(this.maxAgeMs, this.costMs / this.maxDuty);
  }

  get(): string {
    const now = this.clock();
    const version = this.version();
    if (now - this.builtAt >= this.ageLimitMs || now < this.builtAt || version !== this.builtFor) {
      const started = performance.now();
      this.text = JSON.stringify(this.build());
      this.costMs = performance.now() - started;
      this.builtAt = now;
      this.builtFor = version;
      this.gzip = undefined;
    }
    return this.text;
  }

  /** The next read builds afresh: a change the caller made (a drain through the API) is in the very next answer. */
  invalidate(): void {
    this.builtAt = -Infinity;
  }

  /** The same snapshot gzipped, compressed once per build however many readers ask (the status board is megabytes of repetitive JSON). */
  gzipped(): Buffer {
    const text = this.get();
    if (!this.gzip) {
      const started = performance.now();
      this.gzip = gzipSync(text, { level: 1 });
      this.costMs += performance.now() - started;
    }
    return this.gzip;
  }
}
