import { reverse } from 'node:dns/promises';

/** How long a reverse name is kept: a PTR record changed (a server renamed) is seen within this. */
export const REVERSE_TTL_MS = 300_000;
/** A lookup that gave no name is asked again sooner: a DNS server briefly away must not hide a name for long. */
export const REVERSE_NEGATIVE_TTL_MS = 30_000;

const firstName = (ip: string) => reverse(ip).then((n) => n[0], () => undefined);

/**
 * The reverse DNS name of addresses, each kept for a while (REVERSE_TTL_MS)
 * rather than forever: asked once however many servers share an address
 * and however often a round needs it, and asked again once it is old. The
 * entries of addresses no longer asked go when they expire.
 */
export class ReverseNames {
  private readonly names = new Map<string, { at: number; name: Promise<string | undefined>; negative?: boolean }>();

  constructor(
    private readonly lookup: (ip: string) => Promise<string | undefined> = firstName,
    private readonly clock: () => number = Date.now,
    private readonly ttlMs = REVERSE_TTL_MS,
    private readonly negativeTtlMs = REVERSE_NEGATIVE_TTL_MS,
  ) {}

  get(ip: string): Promise<string | undefined> {
    const now = this.clock();
    const hit = this.names.get(ip);
    if (hit && now - hit.at < (hit.negative ? this.negativeTtlMs : this.ttlMs)) return hit.name;
    // The promise is kept, not its value: lookups of one address in one round share one query.
    const entry: { at: number; name: Promise<string | undefined>; negative?: boolean } = { at: now, name: this.lookup(ip).catch(() => undefined) };
    void entry.name.then((n) => {
      if (n === undefined) entry.negative = true;
    });
    this.names.set(ip, entry);
    this.prune(now);
    return entry.name;
  }

  /** Addresses held (for tests and the bound: no more than the config's, plus those not yet expired). */
  get size(): number {
    return this.names.size;
  }

  private lastPrune = -Infinity;

  /** Drops expired entries, at most once a TTL: an address the config no longer has goes with its entry. */
  private prune(now: number): void {
    if (now - this.lastPrune < this.ttlMs) return;
    this.lastPrune = now;
    for (const [ip, e] of this.names) if (now - e.at >= this.ttlMs) this.names.delete(ip);
  }
}
