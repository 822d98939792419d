import { z } from 'zod';
import type { RedisTarget, SentinelTarget } from '../model/redis-target.js';

export type { RedisTarget, SentinelTarget } from '../model/redis-target.js';

export const SENTINEL_PORT = 26379;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** `host[:port]` or `[v6][:port]`, port 26379 when left out. */
export function parseSentinelAddress(text: string): { host: string; port: number } | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  if (!m || !host || (m[1] ? !IPV6.test(host) : !HOST_NAME.test(host))) return `expected a Sentinel as HOST:PORT (IPv6 in brackets), got ${JSON.stringify(text)}`;
  const port = m[3] === undefined ? SENTINEL_PORT : Number(m[3]);
  if (port < 1 || port > 65535) return `port must be 1-65535, got ${JSON.stringify(m[3])}`;
  return { host, port };
}

const decode = (s: string, what: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new Error(`${what} is not valid percent-encoding`);
  }
};

/**
 * A Redis target written as one string (queue.redis, `--redis`, REDIS_URL):
 * `redis://` or `rediss://` for one server, or rsguard's own
 * `redis+sentinel://[[USER]:PASSWORD@]HOST:PORT,HOST:PORT/NAME[/DB][?sentinelPassword=P]`
 * (`rediss+sentinel://` for TLS) for a Sentinel-managed primary. Returns
 * the problem as a string when it is neither.
 */
export function parseRedisTarget(text: string): RedisTarget | string {
  if (/^rediss?:\/\//i.test(text)) return { kind: 'url', url: text };
  const m = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/([^/?#]*))?(?:\/([^/?#]*))?\/?(?:\?([^#]*))?$/i.exec(text);
  if (!m) return 'expected a redis://, rediss:// or redis+sentinel://HOST:PORT,HOST:PORT/NAME URL';
  const [, scheme, auth, hostList, name, db, query] = m;
  try {
    const sentinels: SentinelTarget['sentinels'] = [];
    for (const h of hostList!.split(',')) {
      const a = parseSentinelAddress(h);
      if (typeof a === 'string') return `redis+sentinel: ${a}`;
      sentinels.push(a);
    }
    if (!name) return 'redis+sentinel: the primary\'s name is missing (redis+sentinel://HOST:PORT,.../NAME)';
    const t: SentinelTarget = { kind: 'sentinel', sentinels, name: decode(name, 'the name') };
    if (auth !== undefined) {
      const colon = auth.indexOf(':');
      const user = colon < 0 ? '' : decode(auth.slice(0, colon), 'the user name');
      if (colon < 0) return 'redis+sentinel: the password comes after a colon: redis+sentinel://:PASSWORD@... (or USER:PASSWORD@)';
      if (user) t.username = user;
      t.password = decode(auth.slice(colon + 1), 'the password');
    }
    if (db !== undefined && db !== '') {
      if (!/^\d{1,5}$/.test(db)) return `redis+sentinel: the database after the name must be a number, got ${JSON.stringify(db)}`;
      t.db = Number(db);
    }
    for (const [k, v] of new URLSearchParams(query ?? '')) {
      if (k !== 'sentinelPassword') return `redis+sentinel: unknown parameter ${JSON.stringify(k)} (only sentinelPassword)`;
      t.sentinelPassword = v;
    }
    if (scheme!.toLowerCase() === 'rediss') t.tls = true;
    return t;
  } catch (err) {
    return `redis+sentinel: ${(err as Error).message}`;
  }
}

/** The YAML form: `queue.redis: { sentinels: [HOST:PORT, ...], name: NAME, ... }`. */
export const sentinelSchema = z
  .object({
    sentinels: z
      .array(
        z.string().transform((s, ctx) => {
          const a = parseSentinelAddress(s);
          if (typeof a === 'string') ctx.addIssue({ code: 'custom', message: a });
          return typeof a === 'string' ? z.NEVER : a;
        }),
      )
      .min(1, 'at least one Sentinel'),
    /** The primary's name in the Sentinels' `sentinel monitor NAME ...`. */
    name: z.string().min(1),
    /** For the primary and replicas (Redis ACL user); the Sentinels' own is sentinelPassword. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    sentinelPassword: z.string().min(1).optional(),
    db: z.number().int().min(0).optional(),
    /** TLS to the Sentinels and the primary alike (system CAs). */
    tls: z.boolean().optional(),
  })
  .strict()
  .refine((o) => o.username === undefined || o.password !== undefined, { message: 'username needs a password', path: ['username'] })
  .transform((o): SentinelTarget => ({ kind: 'sentinel', ...o }));

/** queue.redis: a URL (one server, or redis+sentinel://) or the Sentinel mapping. */
export const redisTargetSchema = z.union([
  z.string().transform((s, ctx) => {
    const t = parseRedisTarget(s);
    if (typeof t === 'string') ctx.addIssue({ code: 'custom', message: t });
    return typeof t === 'string' ? z.NEVER : t;
  }),
  sentinelSchema,
]);

/** For logs: where it points, passwords left out. */
export function describeRedisTarget(t: RedisTarget): string {
  if (t.kind === 'url') return t.url.replace(/\/\/[^@/]*@/, '//***@');
  const hosts = t.sentinels.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(',');
  return `${t.tls ? 'rediss' : 'redis'}+sentinel://${t.password ? '***@' : ''}${hosts}/${encodeURIComponent(t.name)}${t.db ? `/${t.db}` : ''}`;
}
