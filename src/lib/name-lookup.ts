import { lookup, Resolver } from 'node:dns/promises';
import net from 'node:net';

/**
 * The one way rsguard looks up the host names a config gives servers by
 * (ldirectord.cf reals, haproxy.cfg servers), at load and when they are asked
 * again. Every lookup of one name is cut at LOOKUP_TIMEOUT_MS, whichever way
 * it is asked: a DNS server that does not answer must not hold a load (or the
 * re-resolution) for the resolver's own timeouts and retries.
 */

/** One name's whole lookup, every try and family included: glibc's RES_TIMEOUT (resolv.conf(5) `timeout:n`, 5 s), one try of one nameserver. */
export const LOOKUP_TIMEOUT_MS = 5000;

/** How often a name that did not resolve is asked again when nothing else says (HAProxy's default `hold valid`, 10 s). */
export const RETRY_MS = 10_000;

/** A HAProxy `resolvers` section: its `hold valid` and `nameserver`s (empty with only `parse-resolv-conf`: the system's). */
export interface ResolversDef {
  id: string;
  holdValidMs: number;
  nameservers: string[];
}

export interface NameQuery {
  name: string;
  /** getaddrinfo in one family, first answer (ldirectord's ld_gethostbyname); without it libc answers in any family. */
  family?: 4 | 6;
  /** Asked of a resolvers section's nameservers instead of libc, `prefer` family first. */
  resolvers?: ResolversDef;
  prefer?: 'ipv4' | 'ipv6';
  /**
   * When the name is asked again while a config runs: `always` (HAProxy
   * resolvers, every `hold valid`), `failing` (only while it has no address:
   * ldirectord resolves at load only), `never` (HAProxy libc: once, at start).
   */
  again: 'always' | 'failing' | 'never';
}

/** `ipv4|web1.example`, `libc|web1.example`, `resolvers:dns:ipv6|web1.example`: one answer per way of asking; the name is after the last `|`. */
export function queryKey(q: NameQuery): string {
  if (q.resolvers) return `resolvers:${q.resolvers.id}:${q.prefer ?? 'ipv6'}|${q.name}`;
  return q.family ? `ipv${q.family}|${q.name}` : `libc|${q.name}`;
}

export const nameOfKey = (key: string): string => key.slice(key.lastIndexOf('|') + 1);

/** Addresses per query key; an empty list is a lookup that failed. */
export type NameAnswers = ReadonlyMap<string, readonly string[]>;

/** Asks one query; rejects (with the resolver's code) or resolves to its addresses, first one first. */
export type Lookup = (q: NameQuery, signal: AbortSignal) => Promise<string[]>;

export const systemLookup: Lookup = async (q, signal) => {
  if (!q.resolvers) {
    if (q.family) return [(await lookup(q.name, { family: q.family })).address];
    return (await lookup(q.name, { all: true })).map((a) => a.address);
  }
  const r = new Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 1 });
  signal.addEventListener('abort', () => r.cancel(), { once: true });
  if (q.resolvers.nameservers.length) r.setServers(q.resolvers.nameservers);
  const v4 = (n: string) => r.resolve4(n);
  const v6 = (n: string) => r.resolve6(n);
  let why: unknown;
  for (const ask of q.prefer === 'ipv4' ? [v4, v6] : [v6, v4]) {
    const got = await ask(q.name).catch((err: unknown) => ((why = err), [] as string[]));
    if (got.length) return got;
  }
  throw why ?? Object.assign(new Error(`no address for ${q.name}`), { code: 'ENODATA' });
};

export type NameAnswer = { addresses: string[] } | { failed: string };

/** One lookup, bounded by `timeoutMs`; never rejects: a failure is an answer too (its code). */
export async function lookUp(q: NameQuery, ask: Lookup = systemLookup, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<NameAnswer> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<NameAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ failed: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const answer = ask(q, abort.signal).then(
    (addresses): NameAnswer => (addresses.length ? { addresses } : { failed: 'ENODATA' }),
    (err: unknown): NameAnswer => ({ failed: (err as NodeJS.ErrnoException).code ?? (err as Error).message }),
  );
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** Whether a query is asked again, given the answer the running config has for it (undefined: none yet). */
export function asksAgain(q: NameQuery, before: readonly string[] | undefined): boolean {
  if (before === undefined || q.again === 'always') return true;
  return q.again === 'failing' && before.length === 0;
}

/**
 * Looks up every query (once per key, all at once); a query the running
 * config already answered and that is not asked again keeps `previous`'s answer.
 */
export async function resolveAll(queries: Iterable<NameQuery>, previous: NameAnswers | undefined, ask: Lookup = systemLookup, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const pending: Array<Promise<void>> = [];
  for (const q of queries) {
    const key = queryKey(q);
    if (out.has(key) || net.isIP(q.name)) continue;
    const before = previous?.get(key);
    out.set(key, before ? [...before] : []);
    if (!asksAgain(q, before)) continue;
    pending.push(lookUp(q, ask, timeoutMs).then((a) => void out.set(key, 'addresses' in a ? a.addresses : [])));
  }
  await Promise.all(pending);
  return out;
}

/** The keys whose answers differ between two answer sets (a name that appeared or went counts too). */
export function changedAnswers(a: NameAnswers, b: NameAnswers): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    if (x?.length !== y?.length || x!.some((v, i) => v !== y![i])) out.push(k);
  }
  return out;
}
