import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';

/**
 * Host names of haproxy.cfg servers, resolved the two ways HAProxy 2.6 does
 * (configuration.txt 5.2 "init-addr", "resolvers"; 5.3 "resolvers" section):
 * - `libc`: once, when HAProxy starts (getaddrinfo, the first answer);
 * - a `resolvers` section: again every `hold valid` (10 s by default), from
 *   that section's nameservers, preferring the `resolve-prefer` family (IPv6
 *   unless told otherwise). server-template servers take one answer each.
 */
export interface ResolversDef {
  id: string;
  /** `hold valid`: how long an answer stands before HAProxy asks again. */
  holdValidMs: number;
  /** `nameserver NAME ADDR[:PORT]` (UDP); empty with only `parse-resolv-conf`: the system's. */
  nameservers: string[];
}

/** How one name is looked up: by libc, or by a resolvers section with a preferred family. */
export interface NameQuery {
  name: string;
  resolvers?: ResolversDef;
  prefer: 'ipv4' | 'ipv6';
}

/** `libc|web1.example` or `resolvers:dns:ipv6|web1.example`: one answer per way of asking. */
export function queryKey(q: NameQuery): string {
  return `${q.resolvers ? `resolvers:${q.resolvers.id}:${q.prefer}` : 'libc'}|${q.name}`;
}

/** Addresses per query key; an empty list is a failed lookup. */
export type NameAnswers = ReadonlyMap<string, readonly string[]>;

export type Lookup = (q: NameQuery) => Promise<string[]>;

/** The system resolver (libc) or the resolvers section's nameservers. */
export const systemLookup: Lookup = async (q) => {
  if (!q.resolvers) return (await lookup(q.name, { all: true })).map((a) => a.address);
  const r = new Resolver({ timeout: 2000, tries: 3 });
  if (q.resolvers.nameservers.length) r.setServers(q.resolvers.nameservers);
  const families = q.prefer === 'ipv4' ? [(n: string) => r.resolve4(n), (n: string) => r.resolve6(n)] : [(n: string) => r.resolve6(n), (n: string) => r.resolve4(n)];
  for (const ask of families) {
    const got = await ask(q.name).catch(() => [] as string[]);
    if (got.length) return got;
  }
  return [];
};

/**
 * Looks the names up. `previous` holds the answers of the config running now:
 * libc names keep them (HAProxy resolves those only when it starts), names of
 * a resolvers section are asked again.
 */
export async function resolveNames(queries: readonly NameQuery[], previous: NameAnswers | undefined, ask: Lookup = systemLookup): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(
    queries.map(async (q) => {
      const key = queryKey(q);
      if (out.has(key) || net.isIP(q.name)) return;
      const before = previous?.get(key);
      if (before && !q.resolvers) return void out.set(key, [...before]);
      out.set(key, []);
      out.set(key, await ask(q).catch(() => []));
    }),
  );
  return out;
}
