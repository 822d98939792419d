import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { HostNames } from './imported.js';

/**
 * The host names of an ldirectord.cf, looked up as ld_gethostbyname does
 * (getaddrinfo in the virtual's family, the first answer), but all at once
 * and each for a bounded time: one name whose DNS server does not answer
 * must not hold the load for the resolver's whole timeout per name.
 */

/** One name's first address in a family, or a rejection with the resolver's code. */
export type NameLookup = (name: string, family: 4 | 6) => Promise<string>;

export const systemLookup: NameLookup = async (name, family) => (await lookup(name, { family })).address;

/** glibc's RES_TIMEOUT (resolv.conf(5) "timeout:n", 5 s): one try of one nameserver, no more. */
export const LOOKUP_TIMEOUT_MS = 5000;

/** How often names that did not resolve are asked again (HAProxy's default `hold valid`, 10 s). */
export const RETRY_MS = 10_000;

export type NameAnswer = { address: string } | { failed: string };

/** `ipv4|web1.example`: the key of one name in one family in Model.hostNames.answers. */
export function nameKey(name: string, family: 4 | 6): string {
  return `ipv${family}|${name}`;
}

/** A host part ldirectord hands to getaddrinfo that is a name, not an address. */
export function isHostName(host: string): boolean {
  return net.isIP(host) === 0 && /^[a-z0-9.-]+$/i.test(host);
}

export interface NameOptions {
  /** The answers of the config running now: a name that resolved keeps its address (ldirectord resolves at load only); one that failed is asked again. */
  previous?: HostNames['answers'];
  ask?: NameLookup;
  timeoutMs?: number;
}

export class LdNames {
  private readonly asked = new Map<string, Promise<NameAnswer>>();
  private readonly settled = new Map<string, NameAnswer>();
  /** The names the config's servers took their address from (a prefetched name a refused line never used is not one). */
  private readonly used = new Set<string>();
  private readonly ask: NameLookup;
  private readonly timeoutMs: number;

  constructor(private readonly opts: NameOptions = {}) {
    this.ask = opts.ask ?? systemLookup;
    this.timeoutMs = opts.timeoutMs ?? LOOKUP_TIMEOUT_MS;
  }

  /** Starts the lookup of a name (once per name and family): every name of the file is started before any is awaited, so they run concurrently. */
  prefetch(name: string, family: 4 | 6): void {
    if (isHostName(name)) void this.lookup(name, family);
  }

  resolve(name: string, family: 4 | 6): Promise<NameAnswer> {
    this.used.add(nameKey(name, family));
    return this.lookup(name, family);
  }

  private lookup(name: string, family: 4 | 6): Promise<NameAnswer> {
    const key = nameKey(name, family);
    let p = this.asked.get(key);
    if (!p) {
      p = this.lookupOnce(name, family).then((a) => (this.settled.set(key, a), a));
      this.asked.set(key, p);
    }
    return p;
  }

  private async lookupOnce(name: string, family: 4 | 6): Promise<NameAnswer> {
    const before = this.opts.previous?.get(nameKey(name, family));
    if (before?.length) return { address: before[0]! };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<NameAnswer>((resolve) => {
      timer = setTimeout(() => resolve({ failed: `no answer within ${this.timeoutMs} ms` }), this.timeoutMs);
    });
    const answer = this.ask(name, family).then(
      (address): NameAnswer => ({ address }),
      (err: unknown): NameAnswer => ({ failed: (err as NodeJS.ErrnoException).code ?? (err as Error).message }),
    );
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Model.hostNames: every answer, [] for a name that did not resolve, and
   * `everyMs` while one did not (the daemon's ResolveAgain asks again then).
   */
  hostNames(): HostNames {
    const answers = new Map<string, string[]>();
    for (const [k, a] of this.settled) if (this.used.has(k)) answers.set(k, 'address' in a ? [a.address] : []);
    const failing = [...answers.values()].some((a) => a.length === 0);
    return { answers, ...(failing ? { everyMs: RETRY_MS } : {}) };
  }
}
