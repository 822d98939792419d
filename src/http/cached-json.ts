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
  private gzip: Buffer | undefined;

  constructor(private readonly build: () => unknown, private readonly clock: () => number, private readonly maxAgeMs: number) {}

  get(): string {
    const now = this.clock();
    if (now - this.builtAt >= this.maxAgeMs || now < this.builtAt) {
      this.text = JSON.stringify(this.build());
      this.builtAt = now;
      this.gzip = undefined;
    }
    return this.text;
  }

  /** The same snapshot gzipped, compressed once per build however many readers ask (the status board is megabytes of repetitive JSON). */
  gzipped(): Buffer {
    const text = this.get();
    this.gzip ??= gzipSync(text, { level: 1 });
    return this.gzip;
  }
}
