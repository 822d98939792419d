import net from 'node:net';
import { asksAgain, lookUp, queryKey, RETRY_MS, type Lookup, type NameAnswer, type NameQuery } from '../../lib/name-lookup.js';
import type { HostNames } from './imported.js';

/**
 * The host names of an ldirectord.cf, looked up as ld_gethostbyname does
 * (getaddrinfo in the virtual's family, the first answer), but all at once
 * and each for a bounded time (lib/name-lookup.ts): one name whose DNS
 * server does not answer must not hold the load for the resolver's whole
 * timeout per name.
 */

/** The query ldirectord makes of a name: one family, asked again only while it fails (ldirectord resolves at load only). */
export function ldQuery(name: string, family: 4 | 6): NameQuery {
  return { name, family, again: 'failing' };
}

/** A host part ldirectord hands to getaddrinfo that is a name, not an address. */
export function isHostName(host: string): boolean {
  return net.isIP(host) === 0 && /^[a-z0-9.-]+$/i.test(host);
}

export interface NameOptions {
  /** The answers of the config running now: a name that resolved keeps its address; one that failed is asked again. */
  previous?: HostNames['answers'];
  /** `previous` was just asked (ResolveAgain): every answer in it is taken as it is, none asked again. */
  answered?: boolean;
  ask?: Lookup;
  timeoutMs?: number;
}

export class LdNames {
  private readonly asked = new Map<string, Promise<NameAnswer>>();
  private readonly settled = new Map<string, NameAnswer>();
  private readonly queries = new Map<string, NameQuery>();
  /** The names the config's servers took their address from (a prefetched name a refused line never used is not one). */
  private readonly used = new Set<string>();

  constructor(private readonly opts: NameOptions = {}) {}

  /** Starts the lookup of a name (once per name and family): every name of the file is started before any is awaited, so they run concurrently. */
  prefetch(name: string, family: 4 | 6): void {
    if (isHostName(name)) void this.lookup(ldQuery(name, family));
  }

  async resolve(name: string, family: 4 | 6): Promise<{ address: string } | { failed: string }> {
    const q = ldQuery(name, family);
    this.used.add(queryKey(q));
    const a = await this.lookup(q);
    return 'addresses' in a ? { address: a.addresses[0]! } : a;
  }

  private lookup(q: NameQuery): Promise<NameAnswer> {
    const key = queryKey(q);
    let p = this.asked.get(key);
    if (!p) {
      this.queries.set(key, q);
      const before = this.opts.previous?.get(key);
      const kept = before !== undefined && (this.opts.answered || !asksAgain(q, before));
      const answer: Promise<NameAnswer> = kept ? Promise.resolve(before.length ? { addresses: [...before] } : { failed: 'no answer when last asked' }) : lookUp(q, this.opts.ask, this.opts.timeoutMs);
      p = answer.then((a) => (this.settled.set(key, a), a));
      this.asked.set(key, p);
    }
    return p;
  }

  /**
   * Model.hostNames: every answer, [] for a name that did not resolve, its
   * query, and `everyMs` while one did not (the daemon's ResolveAgain asks
   * again then).
   */
  hostNames(): HostNames {
    const answers = new Map<string, string[]>();
    const queries = new Map<string, NameQuery>();
    for (const [k, a] of this.settled) {
      if (!this.used.has(k)) continue;
      answers.set(k, 'addresses' in a ? [a.addresses[0]!] : []);
      queries.set(k, this.queries.get(k)!);
    }
    const failing = [...answers.values()].some((a) => a.length === 0);
    return { answers, queries, ...(failing ? { everyMs: RETRY_MS } : {}) };
  }
}
